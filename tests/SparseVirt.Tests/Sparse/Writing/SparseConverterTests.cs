using System.IO.Hashing;
using System.IO.Pipelines;
using SparseVirt.Sparse;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Sparse.Writing;

public class SparseConverterTests
{
    [TestCase(1024, false, false)]
    [TestCase(4096, false, false)]
    [TestCase(4096, true, false)]
    [TestCase(4096, false, true)]
    [TestCase(4096, true, true)]
    [TestCase(65536, false, false)]
    [TestCase(65536, true, true)]
    public void EveryOptionGivesAnImageAospExpandsToTheSourceBytes(int blockSize, bool zeroFill, bool crc)
    {
        using var folder = new TempDirectory();
        // 3 MiB plus a tail that is not a block multiple: the last block is padded with zeros.
        byte[] source = RawImages.Mixed((3 << 20) + 1000, seed: blockSize + (zeroFill ? 1 : 0) + (crc ? 2 : 0));
        string raw = RawImages.Write(folder.Combine("in.raw"), source);
        string image = folder.Combine("out.simg");
        var options = SparseWriterOptions.Default.WithBlockSize(blockSize).WithZeroFill(zeroFill).WithCrc(crc);

        SparseHeader header = SparseConverter.Convert(raw, image, options);

        AospSparseTools.AssertDumpAccepts(image);
        AospSparseTools.Expand(folder.Combine("expanded.raw"), image);
        byte[] expected = AospSparseTools.Padded(source, blockSize);
        using SparseImage opened = SparseImage.Open(image);
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllBytes(folder.Combine("expanded.raw")), Is.EqualTo(expected));
            Assert.That(header.BlockSize, Is.EqualTo((uint)blockSize));
            Assert.That(header.TotalBlocks, Is.EqualTo((uint)(expected.Length / blockSize)));
            Assert.That(opened.Chunks.Any(c => c.Type == SparseChunkType.Fill && c.FillValue == 0xDEADBEEF), Is.True, "the fill word became FILL chunks");
            if (zeroFill)
            {
                Assert.That(opened.Chunks.Any(c => c.Type == SparseChunkType.DontCare), Is.False, "zero-fill writes zeros as FILL 0, never DONT_CARE");
            }
            else
            {
                Assert.That(opened.Chunks.Any(c => c.Type == SparseChunkType.Fill && c.FillValue == 0), Is.False, "zeros become DONT_CARE by default");
            }
            Assert.That(opened.Chunks.Zip(opened.Chunks.Skip(1)).Any(p => p.First.Type == p.Second.Type && p.First.Value == p.Second.Value && p.First.Type != SparseChunkType.Raw),
                Is.False, "adjacent compatible runs are merged");
            if (crc)
            {
                uint expectedCrc = Crc32.HashToUInt32(expected);
                Assert.That(opened.Chunks[^1].Type, Is.EqualTo(SparseChunkType.Crc32));
                Assert.That(opened.Chunks[^1].Crc32, Is.EqualTo(expectedCrc));
                Assert.That(header.ImageChecksum, Is.EqualTo(expectedCrc));
                Assert.That(SparseVerifier.Verify(image).IsValid, Is.True);
            }
            else
            {
                Assert.That(opened.Chunks.Any(c => c.Type == SparseChunkType.Crc32), Is.False);
                Assert.That(header.ImageChecksum, Is.Zero);
            }
        });
    }

    [Test]
    public void AnEmptyInputGivesAnEmptyImage()
    {
        using var folder = new TempDirectory();
        string raw = RawImages.Write(folder.Combine("empty.raw"), []);
        string image = folder.Combine("empty.simg");

        SparseHeader header = SparseConverter.Convert(raw, image);

        AospSparseTools.AssertDumpAccepts(image);
        AospSparseTools.Expand(folder.Combine("out.raw"), image);
        Assert.Multiple(() =>
        {
            Assert.That(header.TotalBlocks, Is.Zero);
            Assert.That(header.TotalChunks, Is.Zero);
            Assert.That(new FileInfo(image).Length, Is.EqualTo(SparseFormat.FileHeaderSize));
            Assert.That(new FileInfo(folder.Combine("out.raw")).Length, Is.Zero);
        });
    }

    [TestCase(0x00000000u, SparseChunkType.DontCare)]
    [TestCase(0x12345678u, SparseChunkType.Fill)]
    public void AUniformImageIsOneChunk(uint word, SparseChunkType expectedType)
    {
        using var folder = new TempDirectory();
        byte[] source = new byte[5 << 20];
        for (int i = 0; i < source.Length; i += 4)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(source.AsSpan(i), word);
        }
        string image = folder.Combine("uniform.simg");

        SparseConverter.Convert(RawImages.Write(folder.Combine("uniform.raw"), source), image);

        using SparseImage opened = SparseImage.Open(image);
        AospSparseTools.Expand(folder.Combine("out.raw"), image);
        Assert.Multiple(() =>
        {
            Assert.That(opened.Chunks, Has.Count.EqualTo(1));
            Assert.That(opened.Chunks[0].Type, Is.EqualTo(expectedType));
            Assert.That(opened.Chunks[0].BlockCount, Is.EqualTo((uint)(source.Length / 4096)));
            Assert.That(File.ReadAllBytes(folder.Combine("out.raw")), Is.EqualTo(source));
        });
    }

    [Test]
    public void OneBlockOfDataIsOneRawChunk()
    {
        using var folder = new TempDirectory();
        byte[] source = new byte[4096];
        new Random(7).NextBytes(source);
        string image = folder.Combine("one.simg");

        SparseConverter.Convert(RawImages.Write(folder.Combine("one.raw"), source), image);

        using SparseImage opened = SparseImage.Open(image);
        AospSparseTools.Expand(folder.Combine("out.raw"), image);
        Assert.Multiple(() =>
        {
            Assert.That(opened.Chunks.Select(c => (c.Type, c.BlockCount)), Is.EqualTo(new[] { (SparseChunkType.Raw, 1u) }));
            Assert.That(File.ReadAllBytes(folder.Combine("out.raw")), Is.EqualTo(source));
        });
    }

    [Test]
    public void RawChunksAreBoundedByTheMaximumChunkSize()
    {
        using var folder = new TempDirectory();
        byte[] source = new byte[20 * 4096];
        new Random(3).NextBytes(source);
        string image = folder.Combine("bounded.simg");

        SparseConverter.Convert(RawImages.Write(folder.Combine("in.raw"), source), image, SparseWriterOptions.Default.WithMaxChunkBytes(8 * 4096));

        using SparseImage opened = SparseImage.Open(image);
        AospSparseTools.Expand(folder.Combine("out.raw"), image);
        Assert.Multiple(() =>
        {
            Assert.That(opened.Chunks.Select(c => c.BlockCount), Is.EqualTo(new[] { 8u, 8u, 4u }));
            Assert.That(File.ReadAllBytes(folder.Combine("out.raw")), Is.EqualTo(source));
        });
    }

    [Test]
    public void HolesOfASparseFileBecomeDontCareAndImagesOver4GiBWork()
    {
        using var folder = new TempDirectory();
        string raw = folder.Combine("holes.raw");
        long length = (5L << 30) + 8192;
        byte[] head = new byte[3 * 4096], middle = new byte[4096], tail = new byte[8192];
        new Random(11).NextBytes(head);
        new Random(12).NextBytes(middle);
        new Random(13).NextBytes(tail);
        long middleOffset = (4L << 30) + (17 * 4096);
        using (var file = new FileStream(raw, FileMode.CreateNew, FileAccess.Write))
        {
            file.SetLength(length);
            file.Write(head);
            file.Position = middleOffset;
            file.Write(middle);
            file.Position = length - tail.Length;
            file.Write(tail);
        }
        string image = folder.Combine("holes.simg");

        SparseHeader header = SparseConverter.Convert(raw, image);

        using SparseImage opened = SparseImage.Open(image);
        Assert.Multiple(() =>
        {
            Assert.That(header.TotalBlocks, Is.EqualTo((uint)(length / 4096)));
            Assert.That(opened.RawLength, Is.EqualTo(length));
            Assert.That(opened.Chunks.Select(c => (c.Type, c.StartBlock, c.BlockCount)), Is.EqualTo(new[]
            {
                (SparseChunkType.Raw, 0L, 3u),
                (SparseChunkType.DontCare, 3L, (uint)((middleOffset / 4096) - 3)),
                (SparseChunkType.Raw, middleOffset / 4096, 1u),
                (SparseChunkType.DontCare, (middleOffset / 4096) + 1, (uint)(((length - tail.Length) / 4096) - (middleOffset / 4096) - 1)),
                (SparseChunkType.Raw, (length - tail.Length) / 4096, 2u),
            }));
            Assert.That(new FileInfo(image).Length, Is.LessThan(64 * 1024));
        });

        AospSparseTools.AssertDumpAccepts(image);
        string expanded = folder.Combine("expanded.raw");
        AospSparseTools.Expand(expanded, image);
        using var output = new FileStream(expanded, FileMode.Open, FileAccess.Read);
        Assert.That(output.Length, Is.EqualTo(length));
        Assert.That(ReadAt(output, 0, head.Length), Is.EqualTo(head));
        Assert.That(ReadAt(output, middleOffset, middle.Length), Is.EqualTo(middle));
        Assert.That(ReadAt(output, length - tail.Length, tail.Length), Is.EqualTo(tail));
        Assert.That(ReadAt(output, middleOffset - 4096, 4096), Is.EqualTo(new byte[4096]));
    }

    [Test]
    public async Task StreamsPipesAndNonSeekableDestinationsGiveTheSameImageAsFiles()
    {
        using var folder = new TempDirectory();
        byte[] source = RawImages.Mixed((2 << 20) + 300, seed: 21);
        string raw = RawImages.Write(folder.Combine("in.raw"), source);
        var options = SparseWriterOptions.Default.WithCrc();
        string fromPath = folder.Combine("path.simg");
        SparseConverter.Convert(raw, fromPath, options);
        byte[] expected = File.ReadAllBytes(fromPath);

        using var memorySource = new MemoryStream(source);
        using var memoryImage = new MemoryStream();
        SparseConverter.Convert(memorySource, memoryImage, options);

        using var forwardSource = new ForwardOnlyStream(new MemoryStream(source));
        using var forwardImage = new ForwardOnlyStream(new MemoryStream());
        await SparseConverter.ConvertAsync(forwardSource, forwardImage, options);

        var pipe = new Pipe();
        Task feeding = FeedAsync(pipe.Writer, source);
        using var pipeImage = new MemoryStream();
        await SparseConverter.ConvertAsync(pipe.Reader, pipeImage, options);
        await feeding;

        await using (FileStream fileSource = File.OpenRead(raw))
        await using (var fileImage = new FileStream(folder.Combine("stream.simg"), FileMode.Create, FileAccess.ReadWrite))
        {
            await SparseConverter.ConvertAsync(fileSource, fileImage, options);
            Assert.That(fileSource.Position, Is.EqualTo(source.Length));
        }

        Assert.Multiple(() =>
        {
            Assert.That(memoryImage.ToArray(), Is.EqualTo(expected), "seekable stream to seekable stream");
            Assert.That(((MemoryStream)forwardImage.Inner).ToArray(), Is.EqualTo(expected), "non-seekable stream to non-seekable stream");
            Assert.That(pipeImage.ToArray(), Is.EqualTo(expected), "PipeReader");
            Assert.That(File.ReadAllBytes(folder.Combine("stream.simg")), Is.EqualTo(expected), "file streams");
        });
    }

    [TestCase(1024)]
    [TestCase(4096)]
    [TestCase(65536)]
    public async Task FileToFileCopiesRawRunsFromTheSourceFileAndWritesWhatTheBufferedPathWrites(int blockSize)
    {
        // Without a CRC, a file source's RAW runs are copied file to file (copy_file_range) at an offset that is not
        // block-aligned in the output; the image must be byte for byte the one written from memory, final partial
        // block (written from the padded buffer) included.
        using var folder = new TempDirectory();
        byte[] source = RawImages.Mixed((3 << 20) + 300, seed: 33);
        string raw = RawImages.Write(folder.Combine("in.raw"), source);
        var options = SparseWriterOptions.Default.WithBlockSize(blockSize);

        using var fromMemory = new MemoryStream();
        SparseConverter.Convert(new MemoryStream(source), fromMemory, options);
        string syncImage = folder.Combine("sync.simg");
        SparseConverter.Convert(raw, syncImage, options);
        string asyncImage = folder.Combine("async.simg");
        await SparseConverter.ConvertAsync(raw, asyncImage, options);

        Assert.That(File.ReadAllBytes(syncImage), Is.EqualTo(fromMemory.ToArray()));
        Assert.That(File.ReadAllBytes(asyncImage), Is.EqualTo(fromMemory.ToArray()));
        using SparseImage image = SparseImage.Open(syncImage);
        Assert.That(image.Header.TotalChunks, Is.GreaterThan(3), "the image mixes chunk kinds");
    }

    [Test]
    public void ABadBlockSizeFailsClearlyAndWritesNothing()
    {
        using var folder = new TempDirectory();
        string raw = RawImages.Write(folder.Combine("in.raw"), new byte[8192]);
        string image = folder.Combine("out.simg");

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => SparseConverter.Convert(raw, image, SparseWriterOptions.Default.WithBlockSize(4098)));

        Assert.Multiple(() =>
        {
            Assert.That(error!.ParamName, Is.EqualTo("BlockSize"));
            Assert.That(error.Message, Does.Contain("multiple of 4").And.Contain("4098"));
            Assert.That(Directory.GetFiles(folder.FullPath), Is.EqualTo(new[] { raw }));
        });
    }

    [Test]
    public void AFailedConversionLeavesAnExistingDestinationUntouched()
    {
        using var folder = new TempDirectory();
        string image = folder.Combine("out.simg");
        File.WriteAllText(image, "previous");

        Assert.Throws<FileNotFoundException>(() => SparseConverter.Convert(folder.Combine("missing.raw"), image));

        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(image), Is.EqualTo("previous"));
            Assert.That(Directory.GetFiles(folder.FullPath), Has.Length.EqualTo(1));
        });
    }

    [Test]
    public async Task ProgressReachesTheInputLengthAndCancellationLeavesNothing()
    {
        using var folder = new TempDirectory();
        byte[] source = RawImages.Mixed(3 << 20, seed: 51);
        string raw = RawImages.Write(folder.Combine("in.raw"), source);
        var reports = new List<long>();
        var progress = new SynchronousProgress(reports.Add);

        await SparseConverter.ConvertAsync(raw, folder.Combine("out.simg"), progress: progress);
        using var canceled = new CancellationTokenSource();
        await canceled.CancelAsync();
        await Assert.ThatAsync(() => SparseConverter.ConvertAsync(raw, folder.Combine("canceled.simg"), cancellationToken: canceled.Token), Throws.InstanceOf<OperationCanceledException>());

        Assert.Multiple(() =>
        {
            Assert.That(reports, Is.Not.Empty.And.Ordered);
            Assert.That(reports[^1], Is.EqualTo(source.Length));
            Assert.That(File.Exists(folder.Combine("canceled.simg")), Is.False);
            Assert.That(Directory.GetFiles(folder.FullPath, ".*"), Is.Empty, "the temporary file of the canceled run is removed");
        });
    }

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    private static byte[] ReadAt(FileStream stream, long offset, int count)
    {
        byte[] buffer = new byte[count];
        stream.Position = offset;
        stream.ReadExactly(buffer);
        return buffer;
    }

    private static async Task FeedAsync(PipeWriter writer, byte[] data)
    {
        var random = new Random(5);
        for (int offset = 0; offset < data.Length;)
        {
            int size = Math.Min(random.Next(1, 100_000), data.Length - offset);
            await writer.WriteAsync(data.AsMemory(offset, size));
            offset += size;
        }
        await writer.CompleteAsync();
    }

    /// <summary>A stream that can only be read or written in order, like a pipe.</summary>
    private sealed class ForwardOnlyStream(Stream inner) : Stream
    {
        public Stream Inner => inner;

        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => false;

        public override bool CanWrite => inner.CanWrite;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 7000));

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
