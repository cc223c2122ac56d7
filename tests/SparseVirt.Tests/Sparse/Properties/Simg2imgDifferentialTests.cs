using CsCheck;
using SparseVirt.Sparse;
using SparseVirt.Tests.Infrastructure;
using SparseVirt.Tests.Sparse.Decoding;

namespace SparseVirt.Tests.Sparse.Properties;

/// <summary>
/// Random valid images, and random mutations of them, expanded by us and by AOSP's <c>simg2img</c>: valid ones must
/// come out identical (and equal to what they were built from); a mutated one that both accept must come out identical.
/// </summary>
[TestFixture]
[CancelAfter(180_000)]
public sealed class Simg2imgDifferentialTests
{
    private const string Package = "android-sdk-libsparse-utils";

    /// <summary>Expansions larger than this are not compared: a mutated size field can describe terabytes.</summary>
    private const long MaxComparedBytes = 16 * 1024 * 1024;

    /// <summary>A mutation: overwrite a byte, or cut the image short.</summary>
    private sealed record Mutation(double Where, byte Value, bool Truncate)
    {
        public override string ToString() => Truncate ? $"cut at {Where:F3}" : $"byte {Value:X2} at {Where:F3}";
    }

    private static readonly Gen<Mutation> AnyMutation = Gen.Select(Gen.Double.Unit, Gen.Byte, Gen.Int[0, 9], (where, value, kind) => new Mutation(where, value, kind == 0));

    [Test]
    public void Random_valid_images_expand_as_simg2img_expands_them()
    {
        string simg2img = ExternalTool.Require("simg2img", Package);
        RandomSparseImages.Image.Sample(image =>
        {
            using var folder = new TempDirectory();
            byte[]? reference = Simg2img(simg2img, folder, image.Bytes);
            Assert.That(reference, Is.Not.Null, "simg2img rejected a valid image: " + image);
            ByteAssert.Equal(image.Expected, reference!, "simg2img's expansion of " + image);
            ByteAssert.Equal(reference!, ExpandOurs(folder, image.Bytes)!, "our expansion of " + image);
        }, iter: 40);
    }

    [Test]
    public void Random_mutations_never_expand_to_something_simg2img_disagrees_with_when_both_accept()
    {
        string simg2img = ExternalTool.Require("simg2img", Package);
        int bothAccepted = 0;
        RandomSparseImages.Image.Select(AnyMutation.Array[1, 4]).Sample((image, mutations) =>
        {
            byte[] mutated = Mutate(image.Bytes, mutations);
            using var folder = new TempDirectory();
            byte[]? ours = ExpandOurs(folder, mutated);
            if (ours is null)
            {
                return; // we reject it: whatever simg2img does, nothing of ours can disagree
            }
            byte[]? reference = Simg2img(simg2img, folder, mutated);
            if (reference is not null)
            {
                Interlocked.Increment(ref bothAccepted);
                ByteAssert.Equal(reference, ours, $"the expansions of {image} mutated by {string.Join(", ", mutations)}");
            }
        }, iter: 150);
        Assert.That(bothAccepted, Is.Positive, "some mutations (e.g. of RAW data) keep an image valid for both");
    }

    private static byte[] Mutate(byte[] bytes, Mutation[] mutations)
    {
        byte[] result = (byte[])bytes.Clone();
        foreach (Mutation mutation in mutations)
        {
            int at = (int)(mutation.Where * result.Length);
            if (mutation.Truncate)
            {
                result = result[..at];
            }
            else if (at < result.Length)
            {
                result[at] = mutation.Value;
            }
        }
        return result;
    }

    /// <summary>Our expansion of <paramref name="image"/>, or null when we reject it (or it is too large to compare).</summary>
    private static byte[]? ExpandOurs(TempDirectory folder, byte[] image)
    {
        string input = folder.Combine("ours.simg"), output = folder.Combine("ours.raw");
        File.WriteAllBytes(input, image);
        try
        {
            using (SparseImage opened = SparseImage.Open(input))
            {
                if (opened.RawLength > MaxComparedBytes)
                {
                    return null;
                }
            }
            SparseImage.ToRaw(input, output);
        }
        catch (Exception e) when (e is InvalidDataException or SparseTruncatedException)
        {
            return null;
        }
        return File.ReadAllBytes(output);
    }

    /// <summary>simg2img's expansion of <paramref name="image"/>, or null when it rejects it.</summary>
    private static byte[]? Simg2img(string simg2img, TempDirectory folder, byte[] image)
    {
        string input = folder.Combine("reference.simg"), output = folder.Combine("reference.raw");
        File.WriteAllBytes(input, image);
        ToolResult result = ExternalTool.Run(simg2img, [input, output], TimeSpan.FromSeconds(60));
        return result.ExitCode == 0 && File.Exists(output) && new FileInfo(output).Length <= MaxComparedBytes ? File.ReadAllBytes(output) : null;
    }
}
