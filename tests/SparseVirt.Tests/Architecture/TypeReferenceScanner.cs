using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;

namespace SparseVirt.Tests.Architecture;

/// <summary>A type named by namespace and (for nested types, outer+inner) name.</summary>
internal readonly record struct TypeName(string Namespace, string Name)
{
    public override string ToString() => Namespace.Length == 0 ? Name : $"{Namespace}.{Name}";
}

/// <summary>One type definition of the scanned assembly using another type, found in its metadata.</summary>
internal readonly record struct TypeReferenceEdge(TypeName From, TypeName To);

/// <summary>
/// Lists every type each type definition of a compiled assembly uses, from its metadata alone: base type,
/// interfaces, generic arguments and constraints, field, property, event and method signatures, local variables,
/// catch clauses, every type, method, field and signature token in the IL of method bodies, and custom attributes
/// (their constructors and <c>typeof</c> arguments). Nested types (closures, state machines) count as the
/// outermost type's namespace, so code moved into a lambda or an async method is still seen.
/// </summary>
internal sealed partial class TypeReferenceScanner : ISignatureTypeProvider<string, object?>, ICustomAttributeTypeProvider<string>
{
    private static readonly Dictionary<short, OpCode> s_opCodes = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(opCode => opCode.Value);

    private readonly PEReader _peReader;
    private readonly MetadataReader _reader;
    private HashSet<TypeName> _found = [];

    private TypeReferenceScanner(PEReader peReader)
    {
        _peReader = peReader;
        _reader = peReader.GetMetadataReader();
    }

    /// <summary>Every (using type, used type) pair of the assembly at <paramref name="assemblyPath"/>.</summary>
    public static List<TypeReferenceEdge> Scan(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var peReader = new PEReader(stream);
        var scanner = new TypeReferenceScanner(peReader);
        var edges = new List<TypeReferenceEdge>();
        foreach (TypeDefinitionHandle handle in scanner._reader.TypeDefinitions)
        {
            TypeName from = scanner.NameOf(handle);
            foreach (TypeName to in scanner.TypesUsedBy(handle))
            {
                if (to != from)
                {
                    edges.Add(new TypeReferenceEdge(from, to));
                }
            }
        }
        return edges;
    }

    private HashSet<TypeName> TypesUsedBy(TypeDefinitionHandle handle)
    {
        _found = [];
        TypeDefinition type = _reader.GetTypeDefinition(handle);
        if (!type.BaseType.IsNil)
        {
            Collect(type.BaseType);
        }
        foreach (InterfaceImplementationHandle implementation in type.GetInterfaceImplementations())
        {
            InterfaceImplementation interfaceImplementation = _reader.GetInterfaceImplementation(implementation);
            Collect(interfaceImplementation.Interface);
            CollectAttributes(interfaceImplementation.GetCustomAttributes());
        }
        CollectAttributes(type.GetCustomAttributes());
        CollectGenericParameters(type.GetGenericParameters());
        foreach (FieldDefinitionHandle field in type.GetFields())
        {
            FieldDefinition definition = _reader.GetFieldDefinition(field);
            definition.DecodeSignature(this, null);
            CollectAttributes(definition.GetCustomAttributes());
        }
        foreach (PropertyDefinitionHandle property in type.GetProperties())
        {
            PropertyDefinition definition = _reader.GetPropertyDefinition(property);
            definition.DecodeSignature(this, null);
            CollectAttributes(definition.GetCustomAttributes());
        }
        foreach (EventDefinitionHandle @event in type.GetEvents())
        {
            EventDefinition definition = _reader.GetEventDefinition(@event);
            Collect(definition.Type);
            CollectAttributes(definition.GetCustomAttributes());
        }
        foreach (MethodImplementationHandle implementation in type.GetMethodImplementations())
        {
            MethodImplementation methodImplementation = _reader.GetMethodImplementation(implementation);
            Collect(methodImplementation.MethodBody);
            Collect(methodImplementation.MethodDeclaration);
        }
        foreach (MethodDefinitionHandle method in type.GetMethods())
        {
            CollectMethod(_reader.GetMethodDefinition(method));
        }
        return _found;
    }

    private void CollectMethod(MethodDefinition method)
    {
        method.DecodeSignature(this, null);
        CollectAttributes(method.GetCustomAttributes());
        CollectGenericParameters(method.GetGenericParameters());
        foreach (ParameterHandle parameter in method.GetParameters())
        {
            CollectAttributes(_reader.GetParameter(parameter).GetCustomAttributes());
        }
        if (method.RelativeVirtualAddress == 0)
        {
            return;
        }
        MethodBodyBlock body = _peReader.GetMethodBody(method.RelativeVirtualAddress);
        if (!body.LocalSignature.IsNil)
        {
            Collect(body.LocalSignature);
        }
        foreach (ExceptionRegion region in body.ExceptionRegions)
        {
            if (!region.CatchType.IsNil)
            {
                Collect(region.CatchType);
            }
        }
        CollectInstructions(body.GetILReader());
    }

    private void CollectInstructions(BlobReader il)
    {
        while (il.RemainingBytes > 0)
        {
            short value = il.ReadByte();
            if (value == 0xFE)
            {
                value = unchecked((short)(0xFE00 | il.ReadByte()));
            }
            OpCode opCode = s_opCodes[value];
            switch (opCode.OperandType)
            {
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType or OperandType.InlineSig:
                    Collect(MetadataTokens.EntityHandle(il.ReadInt32()));
                    break;
                case OperandType.InlineSwitch:
                    int targets = il.ReadInt32();
                    il.Offset += 4 * targets;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    il.Offset += 8;
                    break;
                case OperandType.InlineBrTarget or OperandType.InlineI or OperandType.InlineString or OperandType.ShortInlineR:
                    il.Offset += 4;
                    break;
                case OperandType.InlineVar:
                    il.Offset += 2;
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    il.Offset += 1;
                    break;
            }
        }
    }

    private void Collect(EntityHandle handle)
    {
        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition:
                _found.Add(NameOf((TypeDefinitionHandle)handle));
                break;
            case HandleKind.TypeReference:
                _found.Add(NameOf((TypeReferenceHandle)handle));
                break;
            case HandleKind.TypeSpecification:
                _reader.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null);
                break;
            case HandleKind.MethodDefinition:
                MethodDefinition method = _reader.GetMethodDefinition((MethodDefinitionHandle)handle);
                _found.Add(NameOf(method.GetDeclaringType()));
                method.DecodeSignature(this, null);
                break;
            case HandleKind.FieldDefinition:
                FieldDefinition field = _reader.GetFieldDefinition((FieldDefinitionHandle)handle);
                _found.Add(NameOf(field.GetDeclaringType()));
                field.DecodeSignature(this, null);
                break;
            case HandleKind.MemberReference:
                MemberReference member = _reader.GetMemberReference((MemberReferenceHandle)handle);
                Collect(member.Parent);
                if (member.GetKind() == MemberReferenceKind.Method)
                {
                    member.DecodeMethodSignature(this, null);
                }
                else
                {
                    member.DecodeFieldSignature(this, null);
                }
                break;
            case HandleKind.MethodSpecification:
                MethodSpecification specification = _reader.GetMethodSpecification((MethodSpecificationHandle)handle);
                Collect(specification.Method);
                specification.DecodeSignature(this, null);
                break;
            case HandleKind.StandaloneSignature:
                StandaloneSignature signature = _reader.GetStandaloneSignature((StandaloneSignatureHandle)handle);
                if (signature.GetKind() == StandaloneSignatureKind.LocalVariables)
                {
                    signature.DecodeLocalSignature(this, null);
                }
                else
                {
                    signature.DecodeMethodSignature(this, null);
                }
                break;
        }
    }

    private void CollectGenericParameters(GenericParameterHandleCollection parameters)
    {
        foreach (GenericParameterHandle parameter in parameters)
        {
            GenericParameter definition = _reader.GetGenericParameter(parameter);
            CollectAttributes(definition.GetCustomAttributes());
            foreach (GenericParameterConstraintHandle constraint in definition.GetConstraints())
            {
                Collect(_reader.GetGenericParameterConstraint(constraint).Type);
            }
        }
    }

    private void CollectAttributes(CustomAttributeHandleCollection attributes)
    {
        foreach (CustomAttributeHandle handle in attributes)
        {
            CustomAttribute attribute = _reader.GetCustomAttribute(handle);
            Collect(attribute.Constructor);
            CustomAttributeValue<string> value = attribute.DecodeValue(this);
            foreach (CustomAttributeTypedArgument<string> argument in value.FixedArguments)
            {
                CollectAttributeArgument(argument);
            }
            foreach (CustomAttributeNamedArgument<string> argument in value.NamedArguments)
            {
                CollectAttributeArgument(new CustomAttributeTypedArgument<string>(argument.Type, argument.Value));
            }
        }
    }

    private void CollectAttributeArgument(CustomAttributeTypedArgument<string> argument)
    {
        switch (argument.Value)
        {
            case ImmutableArray<CustomAttributeTypedArgument<string>> elements:
                foreach (CustomAttributeTypedArgument<string> element in elements)
                {
                    CollectAttributeArgument(element);
                }
                break;
            case string serializedName when argument.Type == "System.Type":
                // A typeof() argument is stored as the type's serialized name: "Ns.Outer+Inner`1[[Ns.Arg, Asm]], Asm".
                foreach (Match match in SerializedTypeName().Matches(serializedName))
                {
                    string name = match.Groups["name"].Value;
                    int dot = name.LastIndexOf('.');
                    _found.Add(dot < 0 ? new TypeName("", name) : new TypeName(name[..dot], name[(dot + 1)..]));
                }
                break;
        }
    }

    [GeneratedRegex(@"(?:^|\[)(?<name>[A-Za-z_][\w.`]*)")]
    private static partial Regex SerializedTypeName();

    private TypeName NameOf(TypeDefinitionHandle handle)
    {
        TypeDefinition type = _reader.GetTypeDefinition(handle);
        string name = _reader.GetString(type.Name);
        TypeDefinitionHandle declaring = type.GetDeclaringType();
        if (declaring.IsNil)
        {
            return new TypeName(_reader.GetString(type.Namespace), name);
        }
        TypeName outer = NameOf(declaring);
        return outer with { Name = $"{outer.Name}+{name}" };
    }

    private TypeName NameOf(TypeReferenceHandle handle)
    {
        TypeReference type = _reader.GetTypeReference(handle);
        string name = _reader.GetString(type.Name);
        if (type.ResolutionScope.Kind == HandleKind.TypeReference)
        {
            TypeName outer = NameOf((TypeReferenceHandle)type.ResolutionScope);
            return outer with { Name = $"{outer.Name}+{name}" };
        }
        return new TypeName(_reader.GetString(type.Namespace), name);
    }

    private string Found(TypeName name)
    {
        _found.Add(name);
        return name.ToString();
    }
}
