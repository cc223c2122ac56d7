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
        var images = new Argument<string[]>("IMAGE")
        {
            Description = "The Android sparse image, or the pieces of a split image in order (they form one export).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var gpt = new Option<string[]>("--gpt")
        {
            Description = "Serve a GPT disk composed of LABEL=IMAGE partitions instead (raw, sparse, or SUPER:PARTITION), as the emulator lays it out; nothing is written.",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = true,
        };
        var bootCode = BootCodeOption.Create("--gpt disk");
        var socket = new Option<string?>("--socket") { Description = "Listen on this Unix socket (mode 0600). Default: a socket in a new private directory." };
        var tcp = new Option<string?>("--tcp") { Description = "Listen on TCP instead, HOST:PORT (PORT alone, or :PORT, means loopback only)." };
        var name = new Option<string>("--name") { Description = "The export's name.", DefaultValueFactory = _ => "disk" };
        var writable = new Option<bool>("--writable") { Description = "Accept writes, into a copy-on-write overlay; the image is never written." };
        var overlay = new Option<string?>("--overlay")
        {
            Description = "With --writable: keep the overlay in this file, not a temporary one. Created when missing; reopened with every write flushed before the server stopped or was killed; refused, untouched, when it is not an overlay of this image.",
        };
        var resetOverlay = new Option<bool>("--reset-overlay") { Description = "Start the --overlay over with an empty one, keeping the old file beside it as NAME.bak-TIMESTAMP (unless --no-backup)." };
        var noBackup = new Option<bool>("--no-backup") { Description = "With --reset-overlay, delete the old overlay instead of keeping it." };
        var maxConnections = new Option<int>("--max-connections")
        {
            HelpName = "N",
            Description = "Serve at most N clients at once; one more is closed before the greeting and logged.",
            DefaultValueFactory = _ => NbdServerOptions.Default.MaxConnections,
        };
        var handshakeLimit = new Option<double>("--handshake-limit")
        {
            HelpName = "SECONDS",
            Description = "Disconnect a client that has not chosen an export within this many SECONDS of connecting (0: no limit).",
            DefaultValueFactory = _ => NbdServerOptions.Default.HandshakeLimit.TotalSeconds,
        };
        var command = new Command(
            "serve",
            "Serve a sparse image over NBD straight from its chunk table: nothing is expanded, so clients (QEMU, qemu-img, nbdcopy, nbdinfo) " +
            "can start at once. Prints the export's NBD URI as the first line of output once connections are accepted, then serves until " +
            "Ctrl+C or SIGTERM and exits 0.")
        {
            images, gpt, bootCode, socket, tcp, name, writable, overlay, resetOverlay, noBackup, maxConnections, handshakeLimit,
        };

        VerbRunner.SetAction(command, console, async (context, cancellationToken) =>
        {
            string[] paths = context.GetValue(images) ?? [];
            string[] partitions = context.GetValue(gpt) ?? [];
            if ((paths.Length == 0) == (partitions.Length == 0))
            {
                throw new UsageException("Give either IMAGE (one image or its split pieces) or --gpt LABEL=IMAGE..., not both or neither.");
            }
            if (context.GetValue(bootCode) is not null && partitions.Length == 0)
            {
                throw new UsageException("--boot-code needs --gpt: it goes into the composed disk's protective MBR.");
            }
            string? overlayPath = context.GetValue(overlay);
            if (context.GetValue(socket) is not null && context.GetValue(tcp) is not null)
            {
                throw new UsageException("--socket and --tcp cannot both be given.");
            }
            if (overlayPath is not null && !context.GetValue(writable))
            {
                throw new UsageException("--overlay needs --writable.");
            }
            if (context.GetValue(resetOverlay) && overlayPath is null)
            {
                throw new UsageException("--reset-overlay needs --overlay.");
            }
            if (context.GetValue(noBackup) && !context.GetValue(resetOverlay))
            {
                throw new UsageException("--no-backup goes with --reset-overlay.");
            }
            if (overlayPath is not null && paths.Any(p => Path.GetFullPath(p) == Path.GetFullPath(overlayPath)))
            {
                throw new UsageException($"--overlay {overlayPath} is one of the images; the images are never written.");
            }
            NbdServerOptions options = NbdServerOptions.Default.WithLogger(context.LoggerFactory.CreateLogger("SparseVirt.Nbd"))
                .WithMaxConnections(CheckMaxConnections(context.GetValue(maxConnections)))
                .WithHandshakeLimit(HandshakeLimit(context.GetValue(handshakeLimit)));
            if (context.GetValue(socket) is { } socketPath)
            {
                options = options.WithUnixSocket(Path.GetFullPath(socketPath));
            }
            else if (context.GetValue(tcp) is { } address)
            {
                options = options.WithTcp(ParseTcp(address));
            }

            // Every piece is opened and its chunk table checked before anything listens: a bad image fails here.
            using var inputs = new ImageInputs();
            await using SparseBlockSource? sparse = paths.Length > 0
                ? SparseBlockSource.Open(paths, SparseExpandOptions.Default.WithLogger(context.LoggerFactory.CreateLogger("SparseVirt.Sparse")))
                : null;
            IBlockSource source = sparse ?? inputs.ComposeGpt(partitions, context.GetValue(bootCode)).Disk;
            string description = partitions.Length > 0 ? "GPT disk of " + string.Join(' ', partitions) : string.Join(' ', paths.Select(Path.GetFileName));
            NbdExport export = new NbdExport(context.GetValue(name), source).WithDescription(description);
            if (context.GetValue(writable))
            {
                export = export.WithWritable().WithOverlayPath(overlayPath is null ? null : Path.GetFullPath(overlayPath));
                if (context.GetValue(resetOverlay))
                {
                    export = export.WithOverlayReset(keepBackup: !context.GetValue(noBackup));
                }
            }
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
        });
        return command;
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
