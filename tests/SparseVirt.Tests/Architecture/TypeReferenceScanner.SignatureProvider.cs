using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;

namespace SparseVirt.Tests.Architecture;

internal sealed partial class TypeReferenceScanner
{
    // The signature decoders call back here for every type a signature names, generic arguments included; the
    // returned strings only matter for attribute arguments (System.Type and enum detection).
    public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => Found(NameOf(handle));

    public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => Found(NameOf(handle));

    public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
        reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

    public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();

    public string GetSZArrayType(string elementType) => elementType + "[]";

    public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[,]";

    public string GetByReferenceType(string elementType) => elementType + "&";

    public string GetPointerType(string elementType) => elementType + "*";

    public string GetPinnedType(string elementType) => elementType;

    public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => genericType;

    public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;

    public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;

    public string GetFunctionPointerType(MethodSignature<string> signature) => "method*";

    public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;

    public string GetSystemType() => "System.Type";

    public bool IsSystemType(string type) => type == "System.Type";

    public string GetTypeFromSerializedName(string name) => name;

    public PrimitiveTypeCode GetUnderlyingEnumType(string type)
    {
        // An enum of this assembly says its width in its value__ field; one of another assembly is looked up in the
        // assemblies this one references (JsonCommentHandling is a byte, LogLevel an int ...).
        foreach (TypeDefinitionHandle handle in _reader.TypeDefinitions)
        {
            if (NameOf(handle).ToString() != type)
            {
                continue;
            }
            foreach (FieldDefinitionHandle field in _reader.GetTypeDefinition(handle).GetFields())
            {
                FieldDefinition definition = _reader.GetFieldDefinition(field);
                if (_reader.GetString(definition.Name) == "value__")
                {
                    return Enum.Parse<PrimitiveTypeCode>(definition.DecodeSignature(this, null));
                }
            }
        }
        string typeName = type.Split(',')[0].Trim();
        foreach (AssemblyReferenceHandle reference in _reader.AssemblyReferences)
        {
            Type? enumType;
            try
            {
                enumType = Assembly.Load(_reader.GetAssemblyReference(reference).GetAssemblyName()).GetType(typeName);
            }
            catch (IOException)
            {
                continue;
            }
            if (enumType is { IsEnum: true })
            {
                return Enum.Parse<PrimitiveTypeCode>(Type.GetTypeCode(Enum.GetUnderlyingType(enumType)).ToString());
            }
        }
        throw new InvalidOperationException($"The width of enum {type}, an attribute argument, is unknown.");
    }
}
