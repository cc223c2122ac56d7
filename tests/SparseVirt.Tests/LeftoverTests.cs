using System.Diagnostics;
using SparseVirt.Nbd;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Sparse.Decoding;

namespace SparseVirt.Tests;

/// <summary>Nothing is left behind by a process killed with SIGKILL: outputs are unnamed while written, socket folders are swept.</summary>
public class LeftoverTests
{
    [Test]
    public void An_output_has_no_name_while_it_is_written_where_the_file_system_has_O_TMPFILE()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("O_TMPFILE is Linux's.");
        }
        using var folder = new TempDirectory();
        string destination = folder.Combine("out.raw");

        using (AtomicFileOutput output = AtomicFileOutput.Create(destination, async: true))
        {
            Assert.That(output.IsUnnamed, Is.True, "the test folder's file system has O_TMPFILE");
            output.Stream.Write(new byte[1 << 20]);
            Assert.That(Directory.GetFileSystemEntries(folder.FullPath), Is.Empty, "no name while written");
            output.Commit(durable: true);
        }

        Assert.Multiple(() =>
        {
            Assert.That(Directory.GetFileSystemEntries(folder.FullPath), Is.EqualTo(new[] { destination }));
            Assert.That(new FileInfo(destination).Length, Is.EqualTo(1 << 20));
        });
    }

    [TestCase("unsparse")]
    [TestCase("sparse")]
    [TestCase("split")]
    [TestCase("compose")]
    [TestCase("split-raw")]
    public void A_conversion_killed_with_SIGKILL_leaves_no_file_behind(string verb)
    {
        bool rawInput = verb is "sparse" or "split-raw";
        verb = verb == "split-raw" ? "split" : verb;
        using var folder = new TempDirectory();
        // 256 MiB of RAW data: long enough to be killed in the middle.
        string input = folder.Combine(rawInput ? "in.raw" : "in.simg");
        if (!rawInput)
        {
            File.WriteAllBytes(input, new SparseImageBuilder().Raw(65536, seed: 3).Build());
        }
        else
        {
            File.WriteAllBytes(input, Enumerable.Range(0, 256 << 20).Select(i => (byte)(i * 31)).ToArray());
        }
        string output = folder.Combine("out.img");
        var random = new Random();
        for (int attempt = 0; attempt < 5; attempt++)
        {
            using Process process = StartTool(verb, input, output);
            Thread.Sleep(random.Next(100, 600));
            if (!process.HasExited)
            {
                process.Kill();
            }
            process.WaitForExit();
            // split writes OUTPUT.0, OUTPUT.1 ...: complete pieces may be there (all or none), nothing else.
            string[] left = Directory.GetFileSystemEntries(folder.FullPath)
                .Where(path => path != input && path != output && !(verb == "split" && Path.GetFileName(path).StartsWith("out.img.", StringComparison.Ordinal)))
                .ToArray();
            Assert.That(left, Is.Empty, $"attempt {attempt}: a killed {verb} left files behind");
            foreach (string file in Directory.GetFiles(folder.FullPath, "out.img*"))
            {
                File.Delete(file);
            }
        }
    }

    [Test]
    public async Task A_socket_folder_left_by_a_killed_server_is_swept_at_the_next_start()
    {
        using var folder = new TempDirectory();
        string image = folder.Combine("disk.simg");
        File.WriteAllBytes(image, new SparseImageBuilder().Raw(2, seed: 4).Build());
        string leftover;
        using (Process serve = SparsevirtProcess.Start("serve", image))
        {
            string uri = serve.StandardOutput.ReadLine() ?? "";
            leftover = Path.GetDirectoryName(uri[(uri.IndexOf("socket=", StringComparison.Ordinal) + "socket=".Length)..])!;
            serve.Kill(); // SIGKILL: the server cannot remove its folder
            serve.WaitForExit();
        }
        Assert.That(Directory.Exists(leftover), Is.True, $"the killed server left {leftover}");
        string live = Path.Combine(Path.GetDirectoryName(leftover)!, $"sparsevirt-nbd-{Environment.ProcessId}-mine{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(live);
        try
        {
            await using NbdServer server = await NbdServer.StartAsync(
                [new NbdExport("disk", new SparseVirt.BlockSources.MemoryBlockSource(new byte[4096], 4096))], NbdServerOptions.Default);

            Assert.Multiple(() =>
            {
                Assert.That(Directory.Exists(leftover), Is.False, "the killed server's folder is swept");
                Assert.That(Directory.Exists(live), Is.True, "a live process's folder stays");
                Assert.That(Path.GetFileName(Path.GetDirectoryName(server.UnixSocketPath)), Does.StartWith($"sparsevirt-nbd-{Environment.ProcessId}-"));
            });
        }
        finally
        {
            if (Directory.Exists(live))
            {
                Directory.Delete(live, recursive: true);
            }
        }
    }

    private static Process StartTool(string verb, string input, string output) => SparsevirtProcess.Start(verb switch
    {
        "split" => [verb, input, output, "32M"],
        "compose" => [verb, output, "system=" + input],
        _ => [verb, input, output],
    });
}
