using SparseVirt.Fuzz.Targets;
using SharpFuzz;

namespace SparseVirt.Fuzz;

/// <summary>
/// <code>
/// SparseVirt.Fuzz TARGET                  run under afl-fuzz (SharpFuzz's out-of-process loop)
/// SparseVirt.Fuzz TARGET --replay FILE... run inputs once each; exit 1 when any is a finding
/// SparseVirt.Fuzz --list                  the target names, one a line
/// SparseVirt.Fuzz --write-seeds FOLDER    write each target's generated seeds to FOLDER/TARGET/
/// </code>
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["--list"])
        {
            foreach (FuzzTarget target in FuzzTargetRegistry.All)
            {
                Console.WriteLine($"{target.Name}\t{target.Description}");
            }
            return 0;
        }
        if (args is ["--write-seeds", string folder])
        {
            return WriteSeeds(folder);
        }
        if (args.Length == 0 || FuzzTargetRegistry.Find(args[0]) is not { } chosen)
        {
            Console.Error.WriteLine("usage: SparseVirt.Fuzz TARGET [--replay FILE...] | --list | --write-seeds FOLDER");
            Console.Error.WriteLine("targets: " + string.Join(", ", FuzzTargetRegistry.All.Select(t => t.Name)));
            return 2;
        }
        if (args.Length > 1 && args[1] == "--replay")
        {
            return Replay(chosen, args[2..]);
        }
        // AFL keeps a finding's input but not what was thrown; a finding that does not replay (timing, state left by
        // earlier inputs of the same process) is explained only by this log.
        string? findingsLog = Environment.GetEnvironmentVariable("FUZZ_FINDINGS_LOG");
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            byte[] input = copy.ToArray();
            try
            {
                ExecutionLimits.Execute(chosen, input);
            }
            catch (Exception e) when (findingsLog is not null && Log(findingsLog, input, e))
            {
                throw; // never reached: Log returns false
            }
        });
        return 0;
    }

    private static bool Log(string path, byte[] input, Exception finding)
    {
        File.AppendAllText(path, $"{DateTime.UtcNow:O} input {Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 64)))}{(input.Length > 64 ? "..." : "")} ({input.Length} bytes)\n{finding}\n\n");
        return false;
    }

    private static int Replay(FuzzTarget target, string[] files)
    {
        int findings = 0;
        foreach (string file in files)
        {
            try
            {
                Exception? rejection = ExecutionLimits.Execute(target, File.ReadAllBytes(file));
                Console.WriteLine($"{file}: {(rejection is null ? "accepted" : "rejected: " + rejection.GetType().Name + ": " + rejection.Message)}");
            }
#pragma warning disable CA1031 // Replay reports every finding, whatever its type, and goes on with the next input.
            catch (Exception e)
#pragma warning restore CA1031
            {
                findings++;
                Console.WriteLine($"{file}: FINDING: {e}");
            }
        }
        return findings == 0 ? 0 : 1;
    }

    private static int WriteSeeds(string folder)
    {
        foreach (FuzzTarget target in FuzzTargetRegistry.All)
        {
            string targetFolder = Path.Combine(folder, target.Name);
            Directory.CreateDirectory(targetFolder);
            foreach ((string name, byte[] bytes) in target.GeneratedSeeds())
            {
                File.WriteAllBytes(Path.Combine(targetFolder, "generated-" + name), bytes);
            }
        }
        return 0;
    }
}
