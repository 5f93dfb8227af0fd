using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Crm.Modules.Segments.Audience;

/// <summary>
/// The vectorised scans behind every number, date, code and flag condition: one pass over a column writes a
/// 64-row word of result bits at a time, skipping words the enclosing AND has already ruled out. Columns are
/// allocated in whole words, so a scan never reads past its array.
/// </summary>
internal static class ColumnScan
{
    /// <summary>Rows whose value is in [<paramref name="low"/>, <paramref name="high"/>].</summary>
    public static void Range<T>(T[] values, T low, T high, Span<ulong> result, ReadOnlySpan<ulong> candidates)
        where T : unmanaged =>
        Scan(values, new InRange<T>(low, high), result, candidates);

    public static void Equal<T>(T[] values, T value, Span<ulong> result, ReadOnlySpan<ulong> candidates)
        where T : unmanaged =>
        Scan(values, new IsEqual<T>(value), result, candidates);

    /// <summary>Rows whose value is NaN (a missing double).</summary>
    public static void NotANumber(double[] values, Span<ulong> result, ReadOnlySpan<ulong> candidates) =>
        Scan(values, default(IsNaN), result, candidates);

    /// <summary>Rows whose code is one that <paramref name="wanted"/> marks; for codes of categories with many matches.</summary>
    public static void Lookup<T>(T[] codes, bool[] wanted, Span<ulong> result, ReadOnlySpan<ulong> candidates)
        where T : unmanaged, System.Numerics.IBinaryInteger<T>
    {
        ref var first = ref MemoryMarshal.GetArrayDataReference(codes);
        for (var w = 0; w < result.Length; w++)
        {
            if (candidates[w] == 0)
            {
                result[w] = 0;
                continue;
            }

            ulong bits = 0;
            var offset = w * Bitmaps.RowsPerWord;
            for (var i = 0; i < Bitmaps.RowsPerWord; i++)
            {
                var code = int.CreateTruncating(Unsafe.Add(ref first, offset + i));
                bits |= (wanted[code] ? 1UL : 0UL) << i;
            }

            result[w] = bits;
        }
    }

    private static void Scan<T, TTest>(T[] values, TTest test, Span<ulong> result, ReadOnlySpan<ulong> candidates)
        where T : unmanaged
        where TTest : struct, IVectorTest<T>
    {
        var lanes = Vector256<T>.Count;
        ref var first = ref MemoryMarshal.GetArrayDataReference(values);
        for (var w = 0; w < result.Length; w++)
        {
            if (candidates[w] == 0)
            {
                result[w] = 0;
                continue;
            }

            ulong bits = 0;
            var offset = (nuint)(w * Bitmaps.RowsPerWord);
            for (var k = 0; k < Bitmaps.RowsPerWord; k += lanes)
            {
                var vector = Vector256.LoadUnsafe(ref first, offset + (nuint)k);
                bits |= (ulong)test.Test(vector).ExtractMostSignificantBits() << k;
            }

            result[w] = bits;
        }
    }

    private interface IVectorTest<T>
        where T : unmanaged
    {
        Vector256<T> Test(Vector256<T> values);
    }

    private readonly struct InRange<T>(T low, T high) : IVectorTest<T>
        where T : unmanaged
    {
        private readonly Vector256<T> _low = Vector256.Create(low);
        private readonly Vector256<T> _high = Vector256.Create(high);

        public Vector256<T> Test(Vector256<T> values) =>
            Vector256.GreaterThanOrEqual(values, _low) & Vector256.LessThanOrEqual(values, _high);
    }

    private readonly struct IsEqual<T>(T value) : IVectorTest<T>
        where T : unmanaged
    {
        private readonly Vector256<T> _value = Vector256.Create(value);

        public Vector256<T> Test(Vector256<T> values) => Vector256.Equals(values, _value);
    }

    private readonly struct IsNaN : IVectorTest<double>
    {
        public Vector256<double> Test(Vector256<double> values) => ~Vector256.Equals(values, values);
    }
}
