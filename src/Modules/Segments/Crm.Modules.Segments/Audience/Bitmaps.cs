using System.Numerics;

namespace Crm.Modules.Segments.Audience;

/// <summary>Row sets as bit arrays, one bit per index row, 64 rows a word.</summary>
internal static class Bitmaps
{
    public const int RowsPerWord = 64;

    public static int WordsFor(int rows) => (rows + RowsPerWord - 1) / RowsPerWord;

    public static bool Get(ulong[] bits, int row) => (bits[row >> 6] & (1UL << (row & 63))) != 0;

    public static void Set(ulong[] bits, int row, bool value)
    {
        if (value)
        {
            bits[row >> 6] |= 1UL << (row & 63);
        }
        else
        {
            bits[row >> 6] &= ~(1UL << (row & 63));
        }
    }

    public static long Count(ReadOnlySpan<ulong> bits)
    {
        long count = 0;
        foreach (var word in bits)
        {
            count += BitOperations.PopCount(word);
        }

        return count;
    }

    public static void And(Span<ulong> target, ReadOnlySpan<ulong> other)
    {
        for (var i = 0; i < target.Length; i++)
        {
            target[i] &= other[i];
        }
    }

    public static void Or(Span<ulong> target, ReadOnlySpan<ulong> other)
    {
        for (var i = 0; i < target.Length; i++)
        {
            target[i] |= other[i];
        }
    }

    /// <summary><paramref name="target"/> becomes the rows of <paramref name="within"/> that it does not hold.</summary>
    public static void Invert(Span<ulong> target, ReadOnlySpan<ulong> within)
    {
        for (var i = 0; i < target.Length; i++)
        {
            target[i] = ~target[i] & within[i];
        }
    }

    /// <summary>The rows set in <paramref name="bits"/>, in row order.</summary>
    public static IEnumerable<int> Rows(ulong[] bits, int words)
    {
        for (var w = 0; w < words; w++)
        {
            var word = bits[w];
            while (word != 0)
            {
                var bit = BitOperations.TrailingZeroCount(word);
                yield return (w << 6) + bit;
                word &= word - 1;
            }
        }
    }
}
