using SparseVirt.Cli.Run;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Cli.Run;

public class SparseDiskCacheTests
{
    [Test]
    public async Task TwoConcurrentRunsExpandOnceAndShareTheResult()
    {
        using var folder = new TempDirectory();
        string sparse = folder.Combine("disk.simg");
        await File.WriteAllTextAsync(sparse, "pretend sparse image");
        int expansions = 0;
        var cache = new SparseDiskCache(folder.Combine("cache"), async (source, destination, token) =>
        {
            Interlocked.Increment(ref expansions);
            await Task.Delay(300, token);
            string temporary = destination + ".partial";
            await File.WriteAllTextAsync(temporary, "expanded " + await File.ReadAllTextAsync(source, token), token);
            File.Move(temporary, destination);
        });

        var results = await Task.WhenAll(cache.GetOrExpandAsync(sparse, default), cache.GetOrExpandAsync(sparse, default));

        Assert.Multiple(() =>
        {
            Assert.That(expansions, Is.EqualTo(1));
            Assert.That(results[0].RawPath, Is.EqualTo(results[1].RawPath));
            Assert.That(results.Count(r => r.Reused), Is.EqualTo(1));
            Assert.That(File.ReadAllText(results[0].RawPath), Is.EqualTo("expanded pretend sparse image"));
        });
    }

    [Test]
    public async Task AChangedSourceGetsANewEntry()
    {
        using var folder = new TempDirectory();
        string sparse = folder.Combine("disk.simg");
        await File.WriteAllTextAsync(sparse, "one");
        var cache = new SparseDiskCache(folder.Combine("cache"), (source, destination, token) =>
        {
            File.Copy(source, destination);
            return Task.CompletedTask;
        });

        var first = await cache.GetOrExpandAsync(sparse, default);
        var again = await cache.GetOrExpandAsync(sparse, default);
        await File.WriteAllTextAsync(sparse, "two, longer");
        var changed = await cache.GetOrExpandAsync(sparse, default);

        Assert.Multiple(() =>
        {
            Assert.That(first.Reused, Is.False);
            Assert.That(again.Reused, Is.True);
            Assert.That(again.RawPath, Is.EqualTo(first.RawPath));
            Assert.That(changed.Reused, Is.False);
            Assert.That(changed.RawPath, Is.Not.EqualTo(first.RawPath));
            Assert.That(File.ReadAllText(changed.RawPath), Is.EqualTo("two, longer"));
        });
    }
    [Test]
    public async Task ARunWaitsWhileAnotherHoldsTheEntrysLockThenReusesItsResult()
    {
        using var folder = new TempDirectory();
        string sparse = folder.Combine("disk.simg");
        await File.WriteAllTextAsync(sparse, "held");
        string cacheFolder = folder.Combine("cache");
        Directory.CreateDirectory(cacheFolder);
        string entry = Path.Combine(cacheFolder, SparseDiskCache.EntryName(new FileInfo(sparse)));
        int expansions = 0;
        var cache = new SparseDiskCache(cacheFolder, (source, destination, token) =>
        {
            Interlocked.Increment(ref expansions);
            File.Copy(source, destination);
            return Task.CompletedTask;
        });

        Task<(string RawPath, bool Reused)> waiting;
        using (new FileStream(entry + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            // The lock is taken synchronously or not at all, so while it is held here the run cannot have finished.
            waiting = cache.GetOrExpandAsync(sparse, default);
            Assert.That(waiting.IsCompleted, Is.False, waiting.Exception?.ToString());
            await File.WriteAllTextAsync(entry, "expanded by the other run");
        }
        (string rawPath, bool reused) = await waiting;

        Assert.Multiple(() =>
        {
            Assert.That(reused, Is.True);
            Assert.That(rawPath, Is.EqualTo(entry));
            Assert.That(expansions, Is.Zero);
        });
    }
}
