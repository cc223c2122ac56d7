using SparseVirt.Interop;
using SparseVirt.Sparse;
using SparseVirt.Sparse.IO;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Sparse.Decoding;

public class ExpansionTests
{
    private static SparseImageBuilder EveryChunkType(uint blockSize = 4096, ushort fileHeaderSize = 28, ushort chunkHeaderSize = 12) =>
        new SparseImageBuilder(blockSize, fileHeaderSize, chunkHeaderSize)
            .Raw(3, seed: 1)
            .Fill(0xDEADBEEF, 2)
            .DontCare(4)
            .Crc32()
            .Fill(0, 5)
            .Raw(1, seed: 2)
            .DontCare(1);

    [TestCase(4096u, (ushort)28, (ushort)12)]
    [TestCase(1024u, (ushort)28, (ushort)12)]
    [TestCase(4u, (ushort)28, (ushort)12)]
    [TestCase(4096u, (ushort)32, (ushort)16)]
    [TestCase(512u, (ushort)100, (ushort)40)]
    public void EveryChunkTypeExpandsToTheExpectedBytesInAFile(uint blockSize, ushort fileHeaderSize, ushort chunkHeaderSize)
    {
        SparseImageBuilder builder = EveryChunkType(blockSize, fileHeaderSize, chunkHeaderSize);
        using var folder = new TempDirectory();
        string sparse = folder.Combine("in.simg");
        string raw = folder.Combine("out.raw");
        File.WriteAllBytes(sparse, builder.Build());

        SparseImage.ToRaw(sparse, raw, SparseExpandOptions.Default.WithVerifyChecksums());

        ByteAssert.Equal(builder.Expected, File.ReadAllBytes(raw));
    }

    [Test]
    public async Task EveryChunkTypeExpandsIntoASeekableStreamAndAnUnseekableOne()
    {
        SparseImageBuilder builder = EveryChunkType();
        byte[] image = builder.Build();

        using var seekable = new MemoryStream();
        await SparseImage.ToRawAsync(new MemoryStream(image), seekable);
        using var unseekable = new MemoryStream();
        await SparseImage.ToRawAsync(new MemoryStream(image), new WriteOnlyStream(unseekable));

        Assert.Multiple(() =>
        {
            Assert.That(seekable.ToArray(), Is.EqualTo(builder.Expected));
            Assert.That(unseekable.ToArray(), Is.EqualTo(builder.Expected));
        });
    }

    [Test]
    public void AnOpenedImageExpandsFromItsStreamAndReportsProgress()
    {
        SparseImageBuilder builder = EveryChunkType();
        using SparseImage image = SparseImage.Open(new MemoryStream(builder.Build()));
        var reports = new List<SparseExpandProgress>();
        using var output = new MemoryStream();

        image.ToRaw(output, progress: new SynchronousProgress<SparseExpandProgress>(reports.Add));

        Assert.Multiple(() =>
        {
            ByteAssert.Equal(builder.Expected, output.ToArray());
            Assert.That(reports, Is.Not.Empty);
            Assert.That(reports[^1].BytesExpanded, Is.EqualTo(image.RawLength));
            Assert.That(reports[^1].TotalBytes, Is.EqualTo(image.RawLength));
        });
    }

    [Test]
    public void DontCareKeepsWhatASeekableStreamHolds()
    {
        var builder = new SparseImageBuilder(blockSize: 16).Raw(1, seed: 3).DontCare(2).Fill(0, 1);
        byte[] existing = Enumerable.Repeat((byte)0x55, 64).ToArray();
        using var output = new MemoryStream();
        output.Write(existing);
        output.Position = 0;

        SparseImage.ToRaw(new MemoryStream(builder.Build()), output);

        byte[] result = output.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(result[..16], Is.EqualTo(builder.Expected[..16]));
            Assert.That(result[16..48], Is.All.EqualTo((byte)0x55), "DONT_CARE leaves what is there");
            Assert.That(result[48..], Is.All.EqualTo((byte)0), "a zero FILL is written");
        });
    }

    [Test]
    public void ZeroFillAndDontCareStayHolesInANewFile()
    {
        var builder = new SparseImageBuilder().Raw(1, seed: 4).Fill(0, 4096).DontCare(4096).Raw(1, seed: 5);
        using var folder = new TempDirectory();
        string sparse = folder.Combine("in.simg");
        string raw = folder.Combine("out.raw");
        File.WriteAllBytes(sparse, builder.Build());

        SparseImage.ToRaw(sparse, raw);

        FileStatus status = FileStatus.Of(raw);
        Assert.Multiple(() =>
        {
            Assert.That(status.Length, Is.EqualTo(8194L * 4096));
            Assert.That(status.AllocatedBytes, Is.LessThan(1024 * 1024), "32 MiB of zero FILL and DONT_CARE must not be allocated");
            ByteAssert.Equal(builder.Expected, File.ReadAllBytes(raw));
        });
    }

    [Test]
    public void AnImageLargerThan4GiBOfMostlyDontCareExpandsToItsExactLengthAndStaysSparse()
    {
        // 5 GiB + 2 blocks: offsets beyond 2^32 must be computed in 64 bits.
        var builder = new SparseImageBuilder().Raw(1, seed: 6).HugeDontCare(1310720).Raw(1, seed: 7);
        using var folder = new TempDirectory();
        string sparse = folder.Combine("big.simg");
        string raw = folder.Combine("big.raw");
        File.WriteAllBytes(sparse, builder.Build());

        SparseImage.ToRaw(sparse, raw, SparseExpandOptions.Default);

        FileStatus status = FileStatus.Of(raw);
        byte[] tail = new byte[4096];
        using (FileStream stream = File.OpenRead(raw))
        {
            stream.Position = 4096L + (1310720L * 4096);
            stream.ReadExactly(tail);
        }
        Assert.Multiple(() =>
        {
            Assert.That(status.Length, Is.EqualTo(1310722L * 4096));
            Assert.That(status.AllocatedBytes, Is.LessThan(1024 * 1024));
            Assert.That(tail, Is.EqualTo(SparseImageBuilder.RandomBytes(4096, 7)));
        });
    }

    [Test]
    public void ALaterPieceOverlaysEarlierOnesAndItsZeroFillsClearThem()
    {
        // simg2img a b out: b's RAW and FILL win, b's DONT_CARE keeps a's bytes, b's zero FILL zeroes them.
        var first = new SparseImageBuilder(blockSize: 4096).Raw(4, seed: 8);
        var second = new SparseImageBuilder(blockSize: 4096).DontCare(1).Fill(0, 1).Raw(1, seed: 9).Fill(0x01020304, 1);
        using var folder = new TempDirectory();
        string a = folder.Combine("a.simg");
        string b = folder.Combine("b.simg");
        string raw = folder.Combine("out.raw");
        File.WriteAllBytes(a, first.Build());
        File.WriteAllBytes(b, second.Build());

        SparseImage.ToRaw(SparseSource.FromPaths([a, b]), raw);

        byte[] expected = first.Expected;
        byte[] overlay = second.Expected;
        Array.Copy(overlay, 4096, expected, 4096, 3 * 4096);
        ByteAssert.Equal(expected, File.ReadAllBytes(raw));
    }

    [Test]
    public async Task TheOutputTakesTheLastPiecesLengthAsSimg2imgDoes()
    {
        var longer = new SparseImageBuilder(blockSize: 16).Raw(4, seed: 10);
        var shorter = new SparseImageBuilder(blockSize: 16).DontCare(2);
        using var folder = new TempDirectory();
        File.WriteAllBytes(folder.Combine("a.simg"), longer.Build());
        File.WriteAllBytes(folder.Combine("b.simg"), shorter.Build());

        await SparseImage.ToRawAsync(SparseSource.FromPaths([folder.Combine("a.simg"), folder.Combine("b.simg")]), folder.Combine("out.raw"));

        Assert.That(File.ReadAllBytes(folder.Combine("out.raw")), Is.EqualTo(longer.Expected[..32]));
    }

    [Test]
    public void GoodCrc32ChunksAndImageChecksumPassVerification()
    {
        var builder = new SparseImageBuilder().Raw(2, seed: 11).Crc32().DontCare(3).Fill(7, 1).Crc32();
        builder.ImageChecksum = builder.RunningCrc;
        using var output = new MemoryStream();

        SparseImage.ToRaw(new MemoryStream(builder.Build()), output, SparseExpandOptions.Default.WithVerifyChecksums());

        ByteAssert.Equal(builder.Expected, output.ToArray());
    }

    [Test]
    public void ABadCrc32ChunkFailsVerificationNamingTheChunkAndOffset()
    {
        var builder = new SparseImageBuilder().Raw(2, seed: 12).Crc32(0x12345678).Raw(1, seed: 13);
        byte[] image = builder.Build();
        long chunkOffset = 28 + 12 + (2 * 4096);

        var error = Assert.Throws<InvalidDataException>(() => SparseImage.ToRaw(new MemoryStream(image), new MemoryStream(), SparseExpandOptions.Default.WithVerifyChecksums()));

        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.Contain("CRC32 mismatch").And.Contain("chunk 1").And.Contain($"byte offset {chunkOffset}").And.Contain("0x12345678"));
            Assert.That(SparseErrorInfo.IsChecksumMismatch(error), Is.True);
            Assert.That(SparseErrorInfo.GetChunkIndex(error), Is.EqualTo(1));
        });
        Assert.DoesNotThrow(() => SparseImage.ToRaw(new MemoryStream(image), new MemoryStream()), "without verification, CRC32 chunks are not checked (as simg2img)");
    }

    [Test]
    public void AWrongImageChecksumFailsVerification()
    {
        var builder = new SparseImageBuilder().Raw(1, seed: 14);
        builder.ImageChecksum = builder.RunningCrc ^ 1;

        var error = Assert.Throws<InvalidDataException>(() => SparseImage.ToRaw(new MemoryStream(builder.Build()), new MemoryStream(), SparseExpandOptions.Default.WithVerifyChecksums()));

        Assert.That(error!.Message, Does.Contain("image checksum mismatch"));
    }

    // Progress is reported every 64 MiB and at the end. Mid-way: the 80 MiB DONT_CARE triggers a report, which cancels
    // before the RAW chunk. Last report: a small image's only report comes after every chunk is written; a cancellation
    // asked for there (as sparsevirt_expand's C callback asks) must still come before the output is named.
    [TestCase(false)]
    [TestCase(true)]
    public void CancellationLeavesNoTemporaryFileAndKeepsTheExistingDestination(bool onTheLastReport)
    {
        var builder = onTheLastReport
            ? new SparseImageBuilder().Raw(2, seed: 17)
            : new SparseImageBuilder().Raw(1, seed: 15).HugeDontCare(20480).Raw(1, seed: 16);
        using var folder = new TempDirectory();
        string sparse = folder.Combine("in.simg");
        string raw = folder.Combine("out.raw");
        File.WriteAllBytes(sparse, builder.Build());
        File.WriteAllText(raw, "precious");
        using var cancellation = new CancellationTokenSource();
        int reports = 0;
        var progress = new SynchronousProgress<SparseExpandProgress>(_ =>
        {
            reports++;
            cancellation.Cancel();
        });

        using (SparseImage image = SparseImage.Open(sparse))
        {
            Assert.That(
                () => image.ToRawAsync(raw, progress: progress, cancellationToken: cancellation.Token).GetAwaiter().GetResult(),
                Throws.InstanceOf<OperationCanceledException>());
        }

        Assert.Multiple(() =>
        {
            Assert.That(reports, Is.EqualTo(1));
            Assert.That(File.ReadAllText(raw), Is.EqualTo("precious"));
            Assert.That(Directory.GetFiles(folder.FullPath), Has.Length.EqualTo(2), "only the input and the untouched destination remain");
        });
    }

    [Test]
    public void AFailureHalfWayLeavesNoTemporaryFileAndKeepsTheExistingDestination()
    {
        var builder = new SparseImageBuilder().Raw(8, seed: 16).Crc32(1);
        using var folder = new TempDirectory();
        string sparse = folder.Combine("in.simg");
        string raw = folder.Combine("out.raw");
        File.WriteAllBytes(sparse, builder.Build());
        File.WriteAllText(raw, "precious");

        Assert.Throws<InvalidDataException>(() => SparseImage.ToRaw(sparse, raw, SparseExpandOptions.Default.WithVerifyChecksums()));

        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(raw), Is.EqualTo("precious"));
            Assert.That(Directory.GetFiles(folder.FullPath), Has.Length.EqualTo(2));
        });
    }

    [Test]
    public void ACharacterDeviceIsWrittenInOrderNotReplaced()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/dev/null"))
        {
            Assert.Ignore("needs /dev/null");
        }
        var builder = new SparseImageBuilder().Raw(1, seed: 19).DontCare(3).Fill(0, 1);
        using var folder = new TempDirectory();
        File.WriteAllBytes(folder.Combine("in.simg"), builder.Build());

        SparseImage.ToRaw(folder.Combine("in.simg"), "/dev/null");

        Assert.Multiple(() =>
        {
            Assert.That(FileStatus.Of("/dev/null").Kind, Is.EqualTo(UnixFileType.CharacterDevice), "/dev/null is still a device, not a renamed file");
            Assert.That(Directory.GetFiles("/dev", ".null.*.tmp"), Is.Empty);
        });
    }

    [Test]
    public void AnExistingFileIsReplacedWithTheExactLength()
    {
        var builder = new SparseImageBuilder(blockSize: 8).Raw(1, seed: 17).DontCare(1);
        using var folder = new TempDirectory();
        string raw = folder.Combine("out.raw");
        File.WriteAllBytes(raw, Enumerable.Repeat((byte)0x77, 100).ToArray());
        File.WriteAllBytes(folder.Combine("in.simg"), builder.Build());

        SparseImage.ToRaw(folder.Combine("in.simg"), raw);

        ByteAssert.Equal(builder.Expected, File.ReadAllBytes(raw));
    }

    [Test]
    public void TheRawStreamReadsEveryRangeAsTheExpandedImage()
    {
        SparseImageBuilder builder = EveryChunkType(blockSize: 64);
        byte[] expected = builder.Expected;
        using SparseImage image = SparseImage.Open(new MemoryStream(builder.Build()));
        using Stream raw = image.OpenRawStream();
        var random = new Random(18);

        Assert.That(raw.Length, Is.EqualTo(expected.Length));
        for (int i = 0; i < 200; i++)
        {
            int start = random.Next(expected.Length);
            int count = random.Next(1, 300);
            byte[] buffer = new byte[count];
            raw.Position = start;
            int read = raw.ReadAtLeast(buffer, count, throwOnEndOfStream: false);
            int expectedCount = Math.Min(count, expected.Length - start);
            Assert.That(read, Is.EqualTo(expectedCount));
            Assert.That(buffer[..read], Is.EqualTo(expected[start..(start + read)]), $"range {start}+{count}");
        }
    }

    [Test]
    public async Task TheRawStreamOfAFileReadsAsynchronouslyAndCannotWrite()
    {
        SparseImageBuilder builder = EveryChunkType();
        using var folder = new TempDirectory();
        File.WriteAllBytes(folder.Combine("in.simg"), builder.Build());
        await using SparseImage image = await SparseImage.OpenAsync(folder.Combine("in.simg"));
        await using Stream raw = image.OpenRawStream();
        using var copy = new MemoryStream();

        await raw.CopyToAsync(copy);

        Assert.Multiple(() =>
        {
            Assert.That(copy.ToArray(), Is.EqualTo(builder.Expected));
            Assert.That(raw.CanWrite, Is.False);
            Assert.That(() => raw.WriteByte(1), Throws.InstanceOf<NotSupportedException>());
        });
    }

    /// <summary>Reports on the calling thread, so tests see every report before the call returns.</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    /// <summary>A write-only, non-seekable view of a stream.</summary>
    private sealed class WriteOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
