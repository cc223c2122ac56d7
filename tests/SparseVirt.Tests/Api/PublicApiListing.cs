using System.Reflection;
using System.Text;

namespace SparseVirt.Tests.Api;

/// <summary>
/// Writes an assembly's public surface (types, and their public and protected members) as sorted text lines, so a
/// change of public API shows up as a diff against the approved file.
/// </summary>
internal static class PublicApiListing
{
    public static string Describe(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (Type type in assembly.GetExportedTypes())
        {
            string typeName = Name(type);
            lines.Add($"{Kind(type)} {typeName}{BaseList(type)}");
            const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (MemberInfo member in type.GetMembers(flags))
            {
                string? text = Member(member);
                if (text is not null)
                {
                    lines.Add($"{typeName}::{text}");
                }
            }
        }
        lines.Sort(StringComparer.Ordinal);
        return string.Join('\n', lines) + "\n";
    }

    private static string Kind(Type type) =>
        type.IsInterface ? "interface"
        : type.IsEnum ? "enum"
        : type.IsValueType ? (type.GetCustomAttributes().Any(a => a.GetType().Name == "IsReadOnlyAttribute") ? "readonly struct" : "struct")
        : typeof(Delegate).IsAssignableFrom(type) ? "delegate"
        : type.IsAbstract && type.IsSealed ? "static class"
        : type.IsAbstract ? "abstract class"
        : type.IsSealed ? "sealed class"
        : "class";

    private static string BaseList(Type type)
    {
        var bases = new List<string>();
        if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType) && baseType != typeof(Enum))
        {
            bases.Add(Name(baseType));
        }
        bases.AddRange(type.GetInterfaces().Where(i => i.IsPublic || i.IsNestedPublic).Select(Name).Order(StringComparer.Ordinal));
        return bases.Count == 0 ? "" : " : " + string.Join(", ", bases);
    }

    private static bool Visible(MethodBase? method) => method is not null && (method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly);

    private static string? Member(MemberInfo member)
    {
        switch (member)
        {
            case ConstructorInfo constructor when Visible(constructor):
                return $"{Access(constructor)}.ctor({Parameters(constructor)})";
            case MethodInfo method when Visible(method) && !method.IsSpecialName:
                return $"{Access(method)}{(method.IsStatic ? "static " : "")}{(method.IsAbstract ? "abstract " : method.IsVirtual && !method.IsFinal ? "virtual " : "")}{Name(method.ReturnType)} {method.Name}{Generic(method)}({Parameters(method)})";
            case PropertyInfo property when Visible(property.GetMethod) || Visible(property.SetMethod):
                string accessors = (Visible(property.GetMethod) ? "get; " : "") + (Visible(property.SetMethod) ? (property.SetMethod!.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.Name == "IsExternalInit") ? "init; " : "set; ") : "");
                string index = property.GetIndexParameters().Length > 0 ? $"[{string.Join(", ", property.GetIndexParameters().Select(p => $"{Name(p.ParameterType)} {p.Name}"))}]" : "";
                return $"{((property.GetMethod ?? property.SetMethod)!.IsStatic ? "static " : "")}{Name(property.PropertyType)} {property.Name}{index} {{ {accessors}}}";
            case FieldInfo field when field.IsPublic || field.IsFamily:
                if (field.DeclaringType!.IsEnum)
                {
                    return field.IsSpecialName ? null : $"{field.Name} = {Convert.ToUInt64(field.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture)}";
                }
                return $"{(field.IsLiteral ? "const " : field.IsStatic ? "static " : "")}{(field.IsInitOnly ? "readonly " : "")}{Name(field.FieldType)} {field.Name}{(field.IsLiteral ? " = " + field.GetRawConstantValue() : "")}";
            case EventInfo @event when Visible(@event.AddMethod):
                return $"event {Name(@event.EventHandlerType!)} {@event.Name}";
            case Type nested when nested.IsNestedPublic || nested.IsNestedFamily:
                return null; // listed as a type of its own
            default:
                return null;
        }
    }

    private static string Access(MethodBase method) => method.IsPublic ? "" : "protected ";

    private static string Generic(MethodInfo method) =>
        method.IsGenericMethodDefinition ? "<" + string.Join(", ", method.GetGenericArguments().Select(a => a.Name)) + ">" : "";

    private static string Parameters(MethodBase method) =>
        string.Join(", ", method.GetParameters().Select(p =>
            $"{(p.IsOut ? "out " : p.ParameterType.IsByRef ? (p.IsIn ? "in " : "ref ") : "")}{Name(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : "")}"));

    private static string Name(Type type)
    {
        if (type.IsByRef)
        {
            return Name(type.GetElementType()!);
        }
        if (type.IsArray)
        {
            return Name(type.GetElementType()!) + "[]";
        }
        if (type.IsGenericParameter)
        {
            return type.Name;
        }
        var builder = new StringBuilder();
        string name = type.IsNested ? Name(type.DeclaringType!) + "." + type.Name : (type.Namespace is null ? "" : type.Namespace + ".") + type.Name;
        int tick = name.IndexOf('`', StringComparison.Ordinal);
        builder.Append(tick < 0 ? name : name[..tick]);
        if (type.IsGenericType)
        {
            builder.Append('<').AppendJoin(", ", type.GetGenericArguments().Select(Name)).Append('>');
        }
        return builder.ToString();
    }
}
