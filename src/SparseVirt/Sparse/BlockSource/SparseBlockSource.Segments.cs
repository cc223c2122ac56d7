using SparseVirt.BlockSources;

namespace SparseVirt.Sparse;

public sealed partial class SparseBlockSource
{
    private enum SegmentKind : byte
    {
        Raw,
        Fill,
        Hole,
    }

    /// <summary>One range of the expanded view and where its bytes come from.</summary>
    private readonly record struct Segment(long Start, long End, SegmentKind Kind, int Piece, long SourceOffset, uint FillValue)
    {
        public BlockExtentKind ExtentKind => Kind switch
        {
            SegmentKind.Raw => BlockExtentKind.Data,
            SegmentKind.Fill when FillValue != 0 => BlockExtentKind.Data,
            // A zero fill reads as zeros like DONT_CARE, and a copy should leave it a hole, as expansion does.
            _ => BlockExtentKind.Hole,
        };
    }

    /// <summary>Builds and searches the merged map of the pieces' chunks.</summary>
    private static class SegmentMap
    {
        /// <summary>
        /// Overlays the pieces' RAW and FILL chunks in order (a later piece's chunk wins where two overlap; DONT_CARE
        /// keeps what is below) with a sweep over the chunk boundaries, and fills the gaps with holes.
        /// </summary>
        public static Segment[] Build(SparseImage[] pieces, long length)
        {
            // Every defined chunk of every piece, with its piece index as priority. Chunks of one piece never overlap
            // (the chunk table is validated to be contiguous), so each piece has at most one chunk active at a point.
            var defined = new List<Segment>();
            for (int p = 0; p < pieces.Length; p++)
            {
                SparseImage piece = pieces[p];
                uint blockSize = piece.Header.BlockSize;
                foreach (SparseChunk chunk in piece.Chunks)
                {
                    long start = chunk.OutputOffset(blockSize);
                    long end = Math.Min(start + chunk.OutputLength(blockSize), length);
                    if (start >= end)
                    {
                        continue;
                    }
                    if (chunk.Type == SparseChunkType.Raw)
                    {
                        defined.Add(new Segment(start, end, SegmentKind.Raw, p, piece.Origin + chunk.PayloadOffset, 0));
                    }
                    else if (chunk.Type == SparseChunkType.Fill)
                    {
                        defined.Add(new Segment(start, end, SegmentKind.Fill, p, 0, chunk.FillValue));
                    }
                }
            }

            return pieces.Length == 1 ? FillGaps(defined, length) : FillGaps(Overlay(defined, pieces.Length), length);
        }

        /// <summary>Resolves overlaps between pieces: at each point the highest piece index covering it wins.</summary>
        private static List<Segment> Overlay(List<Segment> defined, int pieceCount)
        {
            var boundaries = new List<(long Position, int Index, bool Starts)>(defined.Count * 2);
            for (int i = 0; i < defined.Count; i++)
            {
                boundaries.Add((defined[i].Start, i, true));
                boundaries.Add((defined[i].End, i, false));
            }
            // At one position, ends come before starts so a chunk ending where another begins is not seen active.
            boundaries.Sort((a, b) => a.Position != b.Position ? a.Position.CompareTo(b.Position) : a.Starts.CompareTo(b.Starts));

            int[] active = new int[pieceCount];
            Array.Fill(active, -1);
            var result = new List<Segment>(defined.Count);
            for (int b = 0; b < boundaries.Count; b++)
            {
                (long position, int index, bool starts) = boundaries[b];
                active[defined[index].Piece] = starts ? index : (active[defined[index].Piece] == index ? -1 : active[defined[index].Piece]);
                long next = b + 1 < boundaries.Count ? boundaries[b + 1].Position : position;
                if (next <= position)
                {
                    continue;
                }
                for (int p = pieceCount - 1; p >= 0; p--)
                {
                    if (active[p] >= 0)
                    {
                        Segment winner = defined[active[p]];
                        long skip = position - winner.Start;
                        result.Add(winner with { Start = position, End = next, SourceOffset = winner.Kind == SegmentKind.Raw ? winner.SourceOffset + skip : 0 });
                        break;
                    }
                }
            }
            return result;
        }

        /// <summary>Sorts the defined segments and inserts a hole wherever none covers the view.</summary>
        private static Segment[] FillGaps(List<Segment> defined, long length)
        {
            defined.Sort((a, b) => a.Start.CompareTo(b.Start));
            var map = new List<Segment>(defined.Count + 1);
            long position = 0;
            foreach (Segment segment in defined)
            {
                if (segment.Start > position)
                {
                    AddOrMergeHole(map, position, segment.Start);
                }
                if (segment.Kind == SegmentKind.Fill && segment.FillValue == 0)
                {
                    AddOrMergeHole(map, segment.Start, segment.End);
                }
                else
                {
                    map.Add(segment);
                }
                position = segment.End;
            }
            if (position < length)
            {
                AddOrMergeHole(map, position, length);
            }
            return [.. map];
        }

        private static void AddOrMergeHole(List<Segment> map, long start, long end)
        {
            if (map.Count > 0 && map[^1].Kind == SegmentKind.Hole && map[^1].End == start)
            {
                map[^1] = map[^1] with { End = end };
                return;
            }
            map.Add(new Segment(start, end, SegmentKind.Hole, 0, 0, 0));
        }

        /// <summary>The index of the segment holding <paramref name="offset"/> (the last one for an offset at the end).</summary>
        public static int IndexOf(Segment[] segments, long offset)
        {
            int low = 0, high = segments.Length - 1;
            while (low < high)
            {
                int middle = low + ((high - low + 1) / 2);
                if (segments[middle].Start <= offset)
                {
                    low = middle;
                }
                else
                {
                    high = middle - 1;
                }
            }
            return low;
        }
    }
}
