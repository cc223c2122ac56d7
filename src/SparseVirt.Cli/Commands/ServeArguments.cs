using System.CommandLine;
using SparseVirt.Cli.Layouts;
using SparseVirt.Nbd;

namespace SparseVirt.Cli.Commands;

/// <summary>The arguments and options of <c>sparsevirt serve</c>, declared once (<see cref="ServeCommand"/> lists them in help order).</summary>
internal sealed class ServeArguments
{
    public Argument<string[]> Images { get; } = new("IMAGE")
    {
        Description = "The Android sparse image, or the pieces of a split image in order (they form one export).",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<string[]> Gpt { get; } = new("--gpt")
    {
        Description = "Serve a GPT disk composed of LABEL=IMAGE partitions instead (raw, sparse, or SUPER:PARTITION), as the emulator lays it out; nothing is written.",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<string?> BootCode { get; } = BootCodeOption.Create("--gpt disk");

    public GptGuidOptions Guids { get; } = new("--gpt disk");

    public Option<string?> Socket { get; } = new("--socket") { Description = "Listen on this Unix socket (mode 0600). Default: a socket in a new private directory." };

    public Option<string?> Tcp { get; } = new("--tcp") { Description = "Listen on TCP instead, HOST:PORT (PORT alone, or :PORT, means loopback only)." };

    public Option<string> Name { get; } = new("--name") { Description = "The export's name.", DefaultValueFactory = _ => "disk" };

    public Option<bool> Writable { get; } = new("--writable") { Description = "Accept writes, into a copy-on-write overlay; the image is never written." };

    public Option<string?> Overlay { get; } = new("--overlay")
    {
        Description = "With --writable: keep the overlay in this file, not a temporary one. Created when missing; reopened with every write flushed before the server stopped or was killed; refused, untouched, when it is not an overlay of this image.",
    };

    public Option<bool> ResetOverlay { get; } = new("--reset-overlay") { Description = "Start the --overlay over with an empty one, keeping the old file beside it as NAME.bak-TIMESTAMP (unless --no-backup)." };

    public Option<bool> NoBackup { get; } = new("--no-backup") { Description = "With --reset-overlay, delete the old overlay instead of keeping it." };

    public Option<int> MaxConnections { get; } = new("--max-connections")
    {
        HelpName = "N",
        Description = "Serve at most N clients at once; one more is closed before the greeting and logged.",
        DefaultValueFactory = _ => NbdServerOptions.Default.MaxConnections,
    };

    public Option<double> HandshakeLimit { get; } = new("--handshake-limit")
    {
        HelpName = "SECONDS",
        Description = "Disconnect a client that has not chosen an export within this many SECONDS of connecting (0: no limit).",
        DefaultValueFactory = _ => NbdServerOptions.Default.HandshakeLimit.TotalSeconds,
    };

    /// <summary>Adds the argument and the options to <paramref name="command"/>, in the order help lists them.</summary>
    public void AddTo(Command command)
    {
        command.Arguments.Add(Images);
        foreach (Option option in (Option[])[Gpt, BootCode, Guids.DiskGuid, Guids.RandomGuids, Socket, Tcp, Name, Writable, Overlay, ResetOverlay, NoBackup, MaxConnections, HandshakeLimit])
        {
            command.Options.Add(option);
        }
    }
}
