using SparseVirt.Cli;

namespace SparseVirt.Tests.Cli;

/// <summary>Runs the <c>sparsevirt</c> command tree in-process and captures what it prints.</summary>
internal static class CliHarness
{
    public static async Task<CliResult> RunAsync(params string[] args) => await RunWithInputAsync(null, args).ConfigureAwait(false);

    public static async Task<CliResult> RunWithInputAsync(Func<Stream>? standardInput, params string[] args) =>
        await RunCoreAsync(standardInput, args, CancellationToken.None).ConfigureAwait(false);

    /// <summary>Runs the tool with a standard output for bytes (<c>cat</c>); returns what it printed and those bytes.</summary>
    public static async Task<(CliResult Result, byte[] Bytes)> RunWithBinaryOutputAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var bytes = new MemoryStream();
        CliConsole console = CliConsole.ForStrings(output, error) with { OpenStandardOutput = () => new NonClosingStream(bytes) };
        int exitCode = await SparsevirtApp.RunAsync(args, console, CancellationToken.None).ConfigureAwait(false);
        return (new CliResult(exitCode, output.ToString(), error.ToString()), bytes.ToArray());
    }

    /// <summary>
    /// Runs the tool and presses Ctrl+C (cancels its token) as soon as its output contains <paramref name="trigger"/>,
    /// or after <paramref name="limit"/> when it never does (the caller's assertions on the output then fail).
    /// </summary>
    public static async Task<CliResult> RunUntilOutputAsync(string trigger, TimeSpan limit, params string[] args)
    {
        using var interrupt = new CancellationTokenSource(limit);
        using var output = new CancelOnTextWriter(trigger, interrupt);
        return await RunCoreAsync(null, args, interrupt.Token, output).ConfigureAwait(false);
    }

    /// <summary>As <see cref="RunUntilOutputAsync"/>, but Ctrl+C is pressed twice: stop at once.</summary>
    public static async Task<CliResult> RunUntilOutputThenInterruptTwiceAsync(string trigger, TimeSpan limit, params string[] args)
    {
        using var interrupt = new CancellationTokenSource(limit);
        using var urgent = new CancellationTokenSource();
        interrupt.Token.Register(urgent.Cancel);
        using var output = new CancelOnTextWriter(trigger, interrupt);
        return await RunCoreAsync(null, args, interrupt.Token, output, urgent.Token).ConfigureAwait(false);
    }

    private static async Task<CliResult> RunCoreAsync(Func<Stream>? standardInput, string[] args, CancellationToken interrupt, StringWriter? capture = null, CancellationToken urgent = default)
    {
        using StringWriter output = capture ?? new StringWriter();
        using var error = new StringWriter();
        CliConsole console = CliConsole.ForStrings(output, error, standardInput) with { UrgentStop = urgent };
        int exitCode = await SparsevirtApp.RunAsync(args, console, interrupt).ConfigureAwait(false);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }
}

/// <summary>Captures text and cancels <paramref name="source"/> once the text contains <paramref name="trigger"/>.</summary>
internal sealed class CancelOnTextWriter(string trigger, CancellationTokenSource source) : StringWriter
{
    public override void Write(char value)
    {
        base.Write(value);
        Check();
    }

    public override void Write(string? value)
    {
        base.Write(value);
        Check();
    }

    public override void Write(char[] buffer, int index, int count)
    {
        base.Write(buffer, index, count);
        Check();
    }

    public override void Write(ReadOnlySpan<char> buffer)
    {
        base.Write(buffer);
        Check();
    }

    public override void WriteLine(string? value)
    {
        base.WriteLine(value);
        Check();
    }

    public override void WriteLine(ReadOnlySpan<char> buffer)
    {
        base.WriteLine(buffer);
        Check();
    }

    private void Check()
    {
        if (!source.IsCancellationRequested && GetStringBuilder().ToString().Contains(trigger, StringComparison.Ordinal))
        {
            source.Cancel();
        }
    }
}

/// <summary>What one in-process run of the tool gave.</summary>
internal sealed record CliResult(int ExitCode, string Output, string Error);

/// <summary>Passes writes to a stream the caller keeps reading after the writer disposes this one.</summary>
internal sealed class NonClosingStream(Stream inner) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => inner.Length;

    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
}
