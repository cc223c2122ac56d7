using System.Text.Json.Serialization;

namespace SparseVirt.Sparse;

/// <summary>Source-generated JSON for the inspection model (no reflection: trimming- and NativeAOT-safe).</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SparseImageInfo))]
[JsonSerializable(typeof(SparseVerificationResult))]
internal sealed partial class SparseInspectionJsonContext : JsonSerializerContext;
