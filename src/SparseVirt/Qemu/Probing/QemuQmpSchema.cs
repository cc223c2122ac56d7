using System.Text.Json;

namespace SparseVirt.Qemu.Probing;

/// <summary>
/// QEMU's QMP schema (<c>query-qmp-schema</c>), queried by path in the style libvirt uses. Introspection masks type
/// names (they are numbers), so a path names only commands, events, members, enum values and features:
/// <c>screendump/arg-type/format</c> (a member), <c>screendump/arg-type/format/^png</c> (an enum value),
/// <c>device_add/$json-cli-hotplug</c> (a feature), <c>query-block/ret-type/inserted/drv</c> (through an array).
/// </summary>
public sealed class QemuQmpSchema
{
    private readonly Dictionary<string, JsonElement> _entities;

    private QemuQmpSchema(Dictionary<string, JsonElement> entities)
    {
        _entities = entities;
    }

    /// <summary>How many entities (commands, events, types) the schema has.</summary>
    public int EntityCount => _entities.Count;

    /// <summary>The names of the commands QEMU offers.</summary>
    public IEnumerable<string> Commands => _entities.Values.Where(e => MetaType(e) == "command").Select(e => e.GetProperty("name").GetString()!);

    /// <summary>Builds the schema from the <c>query-qmp-schema</c> reply (a JSON array).</summary>
    /// <exception cref="InvalidDataException">The reply is not an array of named entities.</exception>
    public static QemuQmpSchema Parse(JsonElement reply)
    {
        if (reply.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"query-qmp-schema returned a {reply.ValueKind}, not an array.");
        }
        var entities = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        int index = 0;
        foreach (JsonElement entity in reply.EnumerateArray())
        {
            if (entity.ValueKind != JsonValueKind.Object || !entity.TryGetProperty("name", out JsonElement name) || name.ValueKind != JsonValueKind.String)
            {
                throw new InvalidDataException($"query-qmp-schema entry {index} has no name.");
            }
            entities[name.GetString()!] = entity.Clone();
            index++;
        }
        return new QemuQmpSchema(entities);
    }

    /// <summary>Whether <paramref name="path"/> exists, e.g. <c>screendump/arg-type/format</c> or <c>device_add/$json-cli-hotplug</c>.</summary>
    public bool Has(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string[] steps = path.Split('/');
        if (!_entities.TryGetValue(steps[0], out JsonElement current))
        {
            return false;
        }
        foreach (string step in steps.AsSpan(1))
        {
            current = Unwrap(current);
            if (step.StartsWith('$'))
            {
                if (!HasString(current, "features", step[1..]))
                {
                    return false;
                }
                continue;
            }
            if (step.StartsWith('^'))
            {
                if (MetaType(current) != "enum" || !HasString(current, "values", step[1..]))
                {
                    return false;
                }
                continue;
            }
            if (step is "arg-type" or "ret-type")
            {
                if (!current.TryGetProperty(step, out JsonElement typeName) || !TryEntity(typeName, out current))
                {
                    return false;
                }
                continue;
            }
            if (!TryMember(current, step, out current))
            {
                return false;
            }
        }
        return true;
    }

    private static string? MetaType(JsonElement entity) => entity.TryGetProperty("meta-type", out JsonElement meta) ? meta.GetString() : null;

    private static bool HasString(JsonElement entity, string property, string value) =>
        entity.TryGetProperty(property, out JsonElement list) && list.ValueKind == JsonValueKind.Array
        && list.EnumerateArray().Any(item => item.ValueKind == JsonValueKind.String && item.ValueEquals(value));

    /// <summary>An array type stands for its element type, so a path goes through it.</summary>
    private JsonElement Unwrap(JsonElement entity)
    {
        for (int depth = 0; depth < 8 && MetaType(entity) == "array" && entity.TryGetProperty("element-type", out JsonElement element) && TryEntity(element, out JsonElement inner); depth++)
        {
            entity = inner;
        }
        return entity;
    }

    private bool TryEntity(JsonElement typeName, out JsonElement entity)
    {
        entity = default;
        return typeName.ValueKind == JsonValueKind.String && _entities.TryGetValue(typeName.GetString()!, out entity);
    }

    /// <summary>A member of an object type (or of any variant of a union), followed to its type; a builtin type ends the path there.</summary>
    private bool TryMember(JsonElement entity, string name, out JsonElement memberType)
    {
        memberType = default;
        if (MetaType(entity) != "object")
        {
            return false;
        }
        if (entity.TryGetProperty("members", out JsonElement members))
        {
            foreach (JsonElement member in members.EnumerateArray())
            {
                if (member.TryGetProperty("name", out JsonElement memberName) && memberName.ValueEquals(name))
                {
                    JsonElement type = member.GetProperty("type");
                    memberType = TryEntity(type, out JsonElement resolved) ? resolved : member;
                    return true;
                }
            }
        }
        if (entity.TryGetProperty("variants", out JsonElement variants))
        {
            foreach (JsonElement variant in variants.EnumerateArray())
            {
                if (variant.TryGetProperty("type", out JsonElement variantType) && TryEntity(variantType, out JsonElement variantEntity)
                    && TryMember(variantEntity, name, out memberType))
                {
                    return true;
                }
            }
        }
        return false;
    }
}
