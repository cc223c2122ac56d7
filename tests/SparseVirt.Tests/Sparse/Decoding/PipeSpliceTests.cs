using System.IO.Pipes;
using Microsoft.Win32.SafeHandles;
using SparseVirt.Sparse;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Qemu;

namespace SparseVirt.Tests.Sparse.Decoding;

/// <summary>Expansion from a real pipe's descriptor: RAW payloads spliced into the output file inside the kernel.</summary>
[Platform("Linux")]
public class PipeSpliceTests
{
    private static SparseImageBuilder Mixed(ushort fileHeaderSize = 28, ushort chunkHeaderSize = 12) =>
        new SparseImageBuilder(4096, fileHeaderSize, chunkHeaderSize)
            .Raw(3, seed: 1).Fill(0xA1B2C3D4, 2).DontCare(4).Crc32().Fill(0, 3).Raw(300, seed: 2).DontCare(2).Raw(1, seed: 3);

    /// <summary>Writes <paramref name="bytes"/> into a new pipe from another task and expands from its read end.</summary>
    private static void ExpandFromPipe(byte[] bytes, string output, SparseExpandOptions options, Action<SafeFileHandle>? afterExpand = null)
    {
        using var writer = new AnonymousPipeServerStream(PipeDirection.Out);
        using var readEnd = new SafeFileHandle(writer.ClientSafePipeHandle.DangerousGetHandle(), ownsHandle: false);
        Task feeding = Task.Run(() =>
        {
            writer.Write(bytes);
            writer.Dispose();   // the reader sees the end
        });
        try
        {
            SparseImage.ToRaw(readEnd, output, options);
            afterExpand?.Invoke(readEnd);
        }
        finally
        {
            writer.DisposeLocalCopyOfClientHandle();
            feeding.Wait(TimeSpan.FromSeconds(30));
        }
    }

    [TestCase((ushort)28, (ushort)12)]
    [TestCase((ushort)32, (ushort)16)]
    public void A_pipe_expands_to_the_same_bytes_with_raw_payloads_spliced(ushort fileHeaderSize, ushort chunkHeaderSize)
    {
        SparseImageBuilder builder = Mixed(fileHeaderSize, chunkHeaderSize);
        using var dir = new TempDirectory();
        string output = dir.Combine("out.raw");
        var logger = new RecordingLogger();

        ExpandFromPipe(builder.Build(), output, SparseExpandOptions.Default.WithLogger(logger));

        Assert.That(File.ReadAllBytes(output), Is.EqualTo(builder.Expected));
        Assert.That(logger.Entries.Select(e => e.Message), Has.Some.Contains("spliced into"));
        Assert.That(logger.Entries.Select(e => e.Message), Has.None.Contains("not possible"));
    }

    [Test]
    public void Reading_stops_at_the_images_end_and_leaves_what_follows_in_the_pipe()
    {
        SparseImageBuilder builder = Mixed();
        byte[] image = builder.Build();
        byte[] trailer = "after the image"u8.ToArray();
        using var dir = new TempDirectory();
        string output = dir.Combine("out.raw");
        byte[] rest = [];

        ExpandFromPipe([.. image, .. trailer], output, SparseExpandOptions.Default, readEnd =>
        {
            using var stream = new FileStream(new SafeFileHandle(readEnd.DangerousGetHandle(), ownsHandle: false), FileAccess.Read, 0);
            using var collected = new MemoryStream();
            stream.CopyTo(collected);
            rest = collected.ToArray();
        });

        Assert.That(File.ReadAllBytes(output), Is.EqualTo(builder.Expected));
        Assert.That(rest, Is.EqualTo(trailer), "the bytes after the last chunk stay unread");
    }

    [Test]
    public void A_pipe_that_ends_inside_a_raw_payload_is_a_located_truncation_and_leaves_no_output()
    {
        byte[] image = Mixed().Build();
        using var dir = new TempDirectory();
        string output = dir.Combine("out.raw");

        var e = Assert.Throws<SparseTruncatedException>(() => ExpandFromPipe(image[..(28 + 12 + 5000)], output, SparseExpandOptions.Default));

        Assert.That(e!.Message, Does.Contain("RAW payload").And.Contain("5000 of 12288"));
        Assert.That(e.ChunkIndex, Is.Zero);
        Assert.That(output, Does.Not.Exist);
    }

    [Test]
    public void Verifying_checksums_from_a_pipe_takes_the_path_through_memory_and_finds_a_bad_crc()
    {
        byte[] image = new SparseImageBuilder().Raw(2, seed: 4).Crc32(0xDEADBEEF).Build();
        using var dir = new TempDirectory();
        var logger = new RecordingLogger();

        var e = Assert.Throws<InvalidDataException>(() =>
            ExpandFromPipe(image, dir.Combine("out.raw"), SparseExpandOptions.Default.WithVerifyChecksums().WithLogger(logger)));

        Assert.That(e!.Message, Does.Contain("CRC32").Or.Contain("checksum"));
        Assert.That(logger.Entries.Select(m => m.Message), Has.None.Contains("spliced into"));
    }

    [Test]
    public void A_seekable_file_handle_is_expanded_as_an_image_and_stays_open()
    {
        SparseImageBuilder builder = Mixed();
        using var dir = new TempDirectory();
        string input = dir.Combine("in.simg"), output = dir.Combine("out.raw");
        File.WriteAllBytes(input, builder.Build());
        using SafeFileHandle handle = File.OpenHandle(input);

        SparseImage.ToRaw(handle, output);

        Assert.That(File.ReadAllBytes(output), Is.EqualTo(builder.Expected));
        Assert.That(handle.IsClosed, Is.False);
        Assert.That(RandomAccess.GetLength(handle), Is.EqualTo(new FileInfo(input).Length));
    }
}
