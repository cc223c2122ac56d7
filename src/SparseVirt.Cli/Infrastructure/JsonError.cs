using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SparseVirt.Cli.Infrastructure;

/// <summary>
/// What a verb given <c>--json</c> prints on standard output when it fails, so a script parsing that output gets a
/// document either way: <c>{"schemaVersion": 1, "error": "...", "kind": "notFound", "exitCode": 1}</c>. The kinds are
/// those of the C interface's status codes (<see cref="FailureKind"/>), plus <c>usage</c> for a command line the
/// tool refuses. The one-line message still goes to standard error, for people.
/// </summary>
internal sealed record JsonError(string Error, string Kind, int ExitCode)
{
    /// <summary>The version of this layout; bumped on any incompatible change.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>The kind of a command line the tool refuses (exit code 2).</summary>
    public const string UsageKind = "usage";

    [JsonPropertyOrder(-1)]
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public static JsonError From(Exception exception, string message, int exitCode) =>
        new(message, FailureKinds.JsonName(FailureKinds.Of(exception)), exitCode);

    public string ToJson() => JsonSerializer.Serialize(this, JsonErrorContext.Default.JsonError);

    /// <summary>True when the parsed command has a <c>--json</c> option and it was given.</summary>
    public static bool IsWanted(ParseResult parseResult) =>
        parseResult.CommandResult.Command.Options.FirstOrDefault(option => option.Name == "--json") is Option<bool> json
        && parseResult.GetValue(json);
}

/// <summary>Source-generated, so the NativeAOT tool serializes without reflection.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(JsonError))]
internal sealed partial class JsonErrorContext : JsonSerializerContext;
