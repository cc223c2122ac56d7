using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using SparseVirt.Qemu;
using SparseVirt.Qemu.Probing;

namespace SparseVirt.Benchmarks.Qemu;

/// <summary>
/// The cost of the typed launch over bare QEMU: the same machine (no devices, TCG, 32 MiB) started until its monitor
/// is negotiated and then quit, once as a bare process spoken to on stdio (the baseline) and once through
/// <see cref="QemuMachine"/> (sockets, QMP negotiation, query-kvm, the definition check against the cached probe).
/// Also the binary probe, cold and from the cache.
/// </summary>
/// <remarks>QEMU start-up dominates each operation, so a run in process with a few iterations is enough:
/// <c>--filter '*QemuLaunch*' --inProcess --warmupCount 2 --iterationCount 10 --invocationCount 1 --unrollFactor 1</c>.</remarks>
[MemoryDiagnoser]
public class QemuLaunchBenchmarks
{
    private string _qemu = "";
    private QemuMachineDefinition _definition = null!;
    private string[] _bareArguments = [];

    [GlobalSetup]
    public void FindQemu()
    {
        string[] folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':');
        _qemu = folders.Select(f => Path.Combine(f, "qemu-system-x86_64")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("qemu-system-x86_64 is not on PATH.");
        _definition = new QemuMachineDefinition(QemuArchitecture.X86_64)
            .WithBinaryPath(_qemu).WithMachineType("none").WithAccelerators(QemuAccelerator.Tcg).WithMemory(QemuMemorySize.FromMebibytes(32));
        _bareArguments = [.. _definition.ToArguments(), "-qmp", "stdio"];
        QemuBinaryProbe.ProbeAsync(_qemu).GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "bare QEMU: start, negotiate QMP on stdio, quit")]
    public async Task BareQemu()
    {
        var startInfo = new ProcessStartInfo(_qemu, _bareArguments) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(startInfo)!;
        _ = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadLineAsync(); // greeting
        await process.StandardInput.WriteLineAsync("""{"execute": "qmp_capabilities"}""");
        await process.StandardInput.FlushAsync();
        await process.StandardOutput.ReadLineAsync();
        await process.StandardInput.WriteLineAsync("""{"execute": "quit"}""");
        await process.StandardInput.FlushAsync();
        await process.WaitForExitAsync();
    }

    [Benchmark(Description = "QemuMachine.StartAsync + StopAsync(quit)")]
    public async Task TypedLaunch()
    {
        await using QemuMachine machine = await QemuMachine.StartAsync(_definition);
        await machine.StopAsync(TimeSpan.Zero);
    }

    [Benchmark(Description = "QemuBinaryProbe.ProbeAsync, cold")]
    public Task<QemuBinaryCapabilities> ProbeCold()
    {
        QemuBinaryProbe.ClearCache();
        return QemuBinaryProbe.ProbeAsync(_qemu);
    }

    [Benchmark(Description = "QemuBinaryProbe.ProbeAsync, cached")]
    public Task<QemuBinaryCapabilities> ProbeCached() => QemuBinaryProbe.ProbeAsync(_qemu);
}
