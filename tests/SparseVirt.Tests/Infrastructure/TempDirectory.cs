namespace SparseVirt.Tests.Infrastructure;

/// <summary>A fresh folder under the system's temporary folder, removed with everything in it on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        FullPath = Directory.CreateTempSubdirectory("sparsevirt-test-").FullName;
    }

    public string FullPath { get; }

    public string Combine(string name) => System.IO.Path.Combine(FullPath, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(FullPath, recursive: true);
        }
        catch (IOException)
        {
            // A process under test may still hold a file; the OS cleans the temporary folder eventually.
        }
    }
}
