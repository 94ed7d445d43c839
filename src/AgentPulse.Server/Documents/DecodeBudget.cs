using System.IO.Compression;
using System.Runtime.InteropServices;
using UglyToad.PdfPig.Filters;
using UglyToad.PdfPig.Tokens;

namespace AgentPulse.Server.Documents;

/// <summary>Thrown when the streams of a PDF decode to more than its <see cref="DecodeBudget"/>.</summary>
internal sealed class DecodeBudgetExceededException() : Exception("The PDF decodes to more bytes than its budget allows.");

/// <summary>
/// How many bytes the streams of one PDF may decode to, in all. A stream's decoded length is
/// counted before it is decoded, without keeping what is counted (Flate and LZW are inflated into
/// a scratch buffer, RunLength is read), so a bomb (400 MB of zeros in 400 KB of Flate) is refused
/// before it takes any memory. PdfPig decodes through <see cref="Provider"/>.
/// </summary>
internal sealed class DecodeBudget(long maxBytes)
{
    private long used;

    public long MaxBytes { get; } = maxBytes;

    /// <summary>Whether a stream went over the budget (PdfPig may have caught the exception).</summary>
    public bool Exceeded { get; private set; }

    /// <summary>PdfPig's filters, each counting against this budget.</summary>
    public IFilterProvider Provider => new BudgetedFilterProvider(this);

    private long Remaining => MaxBytes - used;

    private void Charge(long bytes)
    {
        if (bytes > Remaining)
        {
            Exceeded = true;
            throw new DecodeBudgetExceededException();
        }
        used += bytes;
    }

    private sealed class BudgetedFilterProvider(DecodeBudget budget) : IFilterProvider
    {
        private static readonly IFilterProvider Inner = DefaultFilterProvider.Instance;

        public IReadOnlyList<IFilter> GetFilters(DictionaryToken dictionary) => Wrap(Inner.GetFilters(dictionary));

        public IReadOnlyList<IFilter> GetNamedFilters(IReadOnlyList<NameToken> names) => Wrap(Inner.GetNamedFilters(names));

        public IReadOnlyList<IFilter> GetAllFilters() => Wrap(Inner.GetAllFilters());

        private IFilter[] Wrap(IReadOnlyList<IFilter> filters) => [.. filters.Select(f => new BudgetedFilter(f, budget))];
    }

    private sealed class BudgetedFilter(IFilter inner, DecodeBudget budget) : IFilter
    {
        public bool IsSupported => inner.IsSupported;

        public Memory<byte> Decode(Memory<byte> input, DictionaryToken streamDictionary, IFilterProvider filterProvider, int filterIndex)
        {
            // Up to one byte past what is left: enough to know the stream does not fit.
            var limit = Math.Min(budget.Remaining, long.MaxValue - 1) + 1;
            var expected = inner switch
            {
                FlateFilter => InflatedLength(input, limit),
                LzwFilter => LzwLength(input.Span, EarlyChange(streamDictionary, filterIndex), limit),
                RunLengthFilter => RunLengthLength(input.Span),
                // ASCIIHex and ASCII85 shrink; image filters are only decoded for images, which text extraction never asks for.
                _ => input.Length,
            };
            budget.Charge(expected);
            var output = inner.Decode(input, streamDictionary, filterProvider, filterIndex);
            if (output.Length > expected)
            {
                budget.Charge(output.Length - expected);
            }
            return output;
        }

        private static int EarlyChange(DictionaryToken streamDictionary, int filterIndex) =>
            DecodeParameterResolver.GetFilterParameters(streamDictionary, filterIndex).TryGet(NameToken.Create("EarlyChange"), out NumericToken value)
                ? value.Int
                : 1;
    }

    /// <summary>How long a zlib stream inflates to, up to <paramref name="limit"/>; a damaged stream counts up to the damage, as PdfPig decodes it.</summary>
    internal static long InflatedLength(Memory<byte> input, long limit)
    {
        if (input.Length < 2)
        {
            return 0;
        }
        // As PdfPig does: skip the two bytes of the zlib header and inflate the raw deflate data.
        var data = input[2..];
        using var compressed = MemoryMarshal.TryGetArray<byte>(data, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(data.ToArray(), writable: false);
        using var deflate = new DeflateStream(compressed, CompressionMode.Decompress);
        var scratch = new byte[64 * 1024];
        long total = 0;
        try
        {
            int read;
            while (total < limit && (read = deflate.Read(scratch)) > 0)
            {
                total += read;
            }
        }
        catch (InvalidDataException)
        {
        }
        return total;
    }

    /// <summary>
    /// How long an LZW stream (PDF's variant: codes of 9 to 12 bits, most significant bit first,
    /// 256 clears the table, 257 ends) decodes to, up to <paramref name="limit"/>, keeping only the
    /// length of each table entry.
    /// </summary>
    internal static long LzwLength(ReadOnlySpan<byte> input, int earlyChange, long limit)
    {
        const int Clear = 256, End = 257, First = 258, TableSize = 4096;
        Span<int> lengths = stackalloc int[TableSize];
        lengths[..256].Fill(1);
        var next = First;
        var width = 9;
        var previous = -1;
        long total = 0;
        var bitBuffer = 0L;
        var bits = 0;
        var position = 0;
        while (total < limit)
        {
            while (bits < width && position < input.Length)
            {
                bitBuffer = (bitBuffer << 8) | input[position++];
                bits += 8;
            }
            if (bits < width)
            {
                break;
            }
            var code = (int)((bitBuffer >> (bits - width)) & ((1 << width) - 1));
            bits -= width;
            if (code == Clear)
            {
                next = First;
                width = 9;
                previous = -1;
                continue;
            }
            if (code == End || code > next || (previous < 0 && code >= First))
            {
                break;
            }
            var length = code < next ? lengths[code] : lengths[previous] + 1;
            total += length;
            if (previous >= 0 && next < TableSize)
            {
                lengths[next++] = lengths[previous] + 1;
            }
            previous = code;
            width = next + earlyChange >= 2048 ? 12 : next + earlyChange >= 1024 ? 11 : next + earlyChange >= 512 ? 10 : 9;
        }
        return total;
    }

    /// <summary>How long a RunLength stream decodes to: 0–127 copies the next n+1 bytes, 129–255 repeats the next byte 257−n times, 128 ends.</summary>
    internal static long RunLengthLength(ReadOnlySpan<byte> input)
    {
        long total = 0;
        var i = 0;
        while (i < input.Length && input[i] != 128)
        {
            var n = input[i];
            if (n < 128)
            {
                total += n + 1;
                i += n + 2;
            }
            else
            {
                total += 257 - n;
                i += 2;
            }
        }
        return total;
    }
}
