namespace SparseVirt.Tests.Infrastructure;

/// <summary>The minimised inputs of fuzz findings (FuzzFindings/*.bin, copied to the test output), for their regression tests.</summary>
internal static class FuzzFindingInputs
{
    /// <summary>The bytes of <paramref name="finding"/>.</summary>
    public static byte[] Read(string finding) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "FuzzFindings", finding));

    /// <summary>
    /// The turns of a scripted-peer finding (qmp-client, guest-agent): what the peer sends, cut at NUL bytes, each
    /// turn sent after the client's next request.
    /// </summary>
    public static byte[][] Turns(string finding)
    {
        byte[] input = Read(finding);
        var turns = new List<byte[]>();
        foreach (Range turn in input.AsSpan().Split((byte)0))
        {
            turns.Add(input[turn]);
        }
        return [.. turns];
    }
}
