using System.CommandLine;
using System.Globalization;
using System.Net;
using SparseVirt.BlockSources;
using SparseVirt.Cli.Infrastructure;
using SparseVirt.Cli.Layouts;
using SparseVirt.Nbd;
using SparseVirt.Sparse;

namespace SparseVirt.Cli.Commands;

/// <summary>
/// <c>sparsevirt serve IMAGE... [--socket PATH | --tcp HOST:PORT] [--name NAME] [--writable [--overlay FILE]]
/// [--max-connections N] [--handshake-limit SECONDS]</c>:
/// serves the expanded view of a sparse image (or of split pieces overlaid in order) over NBD without expanding it.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(CliConsole console)
    {
        var arguments = new ServeArguments();
        var command = new Command(
            "serve",
            "Serve a sparse image over NBD straight from its chunk table: nothing is expanded, so clients (QEMU, qemu-img, nbdcopy, nbdinfo) " +
            "can start at once. Prints the export's NBD URI as the first line of output once connections are accepted, then serves until " +
            "Ctrl+C or SIGTERM and exits 0.");
        arguments.AddTo(command);
        VerbRunner.SetAction(command, console, (context, cancellationToken) => ServeAsync(context, arguments, cancellationToken));
        return command;
    }

    private static async Task<int> ServeAsync(VerbContext context, ServeArguments arguments, CancellationToken cancellationToken)
    {
        string[] paths = context.GetValue(arguments.Images) ?? [];
        string[] partitions = context.GetValue(arguments.Gpt) ?? [];
        Validate(context, arguments, paths, partitions);
        NbdServerOptions options = ServerOptions(context, arguments);

        // Every piece is opened and its chunk table checked before anything listens: a bad image fails here.
        using var inputs = new ImageInputs();
        await using SparseBlockSource? sparse = paths.Length > 0
            ? SparseBlockSource.Open(paths, SparseExpandOptions.Default.WithLogger(context.LoggerFactory.CreateLogger("SparseVirt.Sparse")))
            : null;
        IBlockSource source = sparse ?? inputs.ComposeGpt(partitions, context.GetValue(arguments.BootCode), d => arguments.Guids.Apply(context, d)).Disk;
        string description = partitions.Length > 0 ? "GPT disk of " + string.Join(' ', partitions) : string.Join(' ', paths.Select(Path.GetFileName));
        NbdExport export = Export(context, arguments, new NbdExport(context.GetValue(arguments.Name), source).WithDescription(description));
        await using NbdServer server = await NbdServer.StartAsync([export], options, cancellationToken).ConfigureAwait(false);
        await context.Console.Out.WriteLineAsync(server.GetUri()).ConfigureAwait(false);
        await context.Console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C or SIGTERM: the normal way to stop serving.
        }
        await server.StopAsync().ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>Refuses options that do not go together (the parser cannot see these), before anything is opened.</summary>
    private static void Validate(VerbContext context, ServeArguments arguments, string[] paths, string[] partitions)
    {
        if ((paths.Length == 0) == (partitions.Length == 0))
        {
            throw new UsageException("Give either IMAGE (one image or its split pieces) or --gpt LABEL=IMAGE..., not both or neither.");
        }
        if (context.GetValue(arguments.BootCode) is not null && partitions.Length == 0)
        {
            throw new UsageException("--boot-code needs --gpt: it goes into the composed disk's protective MBR.");
        }
        if (arguments.Guids.AnyGiven(context) && partitions.Length == 0)
        {
            throw new UsageException("--disk-guid and --random-guids need --gpt: they set the composed disk's GUIDs.");
        }
        string? overlayPath = context.GetValue(arguments.Overlay);
        if (context.GetValue(arguments.Socket) is not null && context.GetValue(arguments.Tcp) is not null)
        {
            throw new UsageException("--socket and --tcp cannot both be given.");
        }
        if (overlayPath is not null && !context.GetValue(arguments.Writable))
        {
            throw new UsageException("--overlay needs --writable.");
        }
        if (context.GetValue(arguments.ResetOverlay) && overlayPath is null)
        {
            throw new UsageException("--reset-overlay needs --overlay.");
        }
        if (context.GetValue(arguments.NoBackup) && !context.GetValue(arguments.ResetOverlay))
        {
            throw new UsageException("--no-backup goes with --reset-overlay.");
        }
        if (overlayPath is not null && paths.Any(p => Path.GetFullPath(p) == Path.GetFullPath(overlayPath)))
        {
            throw new UsageException($"--overlay {overlayPath} is one of the images; the images are never written.");
        }
    }

    private static NbdServerOptions ServerOptions(VerbContext context, ServeArguments arguments)
    {
        NbdServerOptions options = NbdServerOptions.Default.WithLogger(context.LoggerFactory.CreateLogger("SparseVirt.Nbd"))
            .WithMaxConnections(CheckMaxConnections(context.GetValue(arguments.MaxConnections)))
            .WithHandshakeLimit(HandshakeLimit(context.GetValue(arguments.HandshakeLimit)));
        if (context.GetValue(arguments.Socket) is { } socketPath)
        {
            return options.WithUnixSocket(Path.GetFullPath(socketPath));
        }
        return context.GetValue(arguments.Tcp) is { } address ? options.WithTcp(ParseTcp(address)) : options;
    }

    /// <summary>The export, writable into its overlay when --writable was given.</summary>
    private static NbdExport Export(VerbContext context, ServeArguments arguments, NbdExport export)
    {
        if (!context.GetValue(arguments.Writable))
        {
            return export;
        }
        string? overlayPath = context.GetValue(arguments.Overlay);
        export = export.WithWritable().WithOverlayPath(overlayPath is null ? null : Path.GetFullPath(overlayPath));
        return context.GetValue(arguments.ResetOverlay) ? export.WithOverlayReset(keepBackup: !context.GetValue(arguments.NoBackup)) : export;
    }

    private static int CheckMaxConnections(int value) =>
        value >= 1 ? value : throw new UsageException($"--max-connections {value}: give at least 1.");

    /// <summary>Seconds as a limit; 0 means none, as qemu-nbd's <c>--handshake-limit 0</c>.</summary>
    private static TimeSpan HandshakeLimit(double seconds)
    {
        if (!double.IsFinite(seconds) || seconds < 0 || seconds > int.MaxValue / 1000.0)
        {
            throw new UsageException($"--handshake-limit {seconds.ToString(CultureInfo.InvariantCulture)}: give a number of seconds from 0 (no limit) to {int.MaxValue / 1000}.");
        }
        return seconds == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(seconds);
    }

    /// <summary>HOST:PORT as given; PORT or :PORT alone is loopback, so nothing listens beyond this machine unless asked.</summary>
    internal static IPEndPoint ParseTcp(string text)
    {
        string value = text.Trim();
        int colon = value.LastIndexOf(':');
        string host = colon < 0 ? "" : value[..colon].Trim('[', ']');
        string port = colon < 0 ? value : value[(colon + 1)..];
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number > 65535)
        {
            throw new UsageException($"--tcp {text}: the port must be a number from 0 to 65535.");
        }
        if (host.Length == 0 || host == "localhost")
        {
            return new IPEndPoint(IPAddress.Loopback, number);
        }
        if (!IPAddress.TryParse(host, out IPAddress? address))
        {
            throw new UsageException($"--tcp {text}: '{host}' is not an IP address.");
        }
        return new IPEndPoint(address, number);
    }
}
