using System.Text.Json;
using System.Text.Json.Serialization;

namespace SparseVirt.Hypervisor.Serialization;

/// <summary>Enums as camelCase names (<c>deviceMissing</c>); numbers are rejected so the schema has one spelling.</summary>
internal sealed class CamelCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.CamelCase, allowIntegerValues: false)
    where TEnum : struct, Enum;
