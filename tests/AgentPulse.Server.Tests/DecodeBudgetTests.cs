using System.IO.Compression;
using System.Text;
using AgentPulse.Server.Documents;
using AgentPulse.Testing;
using UglyToad.PdfPig.Filters;
using UglyToad.PdfPig.Tokens;

namespace AgentPulse.Server.Tests;

/// <summary>
/// PDF decompression bombs: a 408 KB PDF holding one 400 MB Flate stream once raised the server's
/// memory by 826 MB. The streams of a PDF now decode within Documents:MaxDecodedBytes, each one
/// counted before it is decoded.
/// </summary>
public sealed class DecodeBudgetTests
{
    private static readonly Dictionary<string, string?> EightMegabytes = new() { ["Documents:MaxDecodedBytes"] = (8 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture) };

    [Fact]
    public async Task Upload_OfAPdfWhoseStreamInflatesPastTheLimit_FailsItsTaskSayingSo()
    {
        await using var server = await RunningServer.StartAsync(EightMegabytes);
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();
        var bomb = MinimalPdf.WithContent([MinimalPdf.FlateTextAndSpaces("Hello from the bomb", 64L << 20)], "FlateDecode");
        Assert.InRange(bomb.Length, 1, 256 * 1024);

        var accepted = Assert.Single(await http.UploadAsync(("bomb.pdf", bomb)));
        var end = await events.WaitForEndAsync(accepted.Str("taskId"));

        Assert.Equal("task.failed", end.Type());
        var error = end.Data().GetProperty("error");
        Assert.Equal("too_large", error.Str("code"));
        Assert.Equal("bomb.pdf decodes to more than 8 MB, the most AgentPulse reads from one document (it may be a decompression bomb).", error.Str("message"));
        var document = await http.GetJsonAsync($"api/documents/{accepted.Str("documentId")}");
        Assert.Equal("failed", document.Str("status"));
    }

    [Theory]
    [InlineData("LZWDecode")]
    [InlineData("RunLengthDecode")]
    public async Task Upload_OfAPdfWhoseStreamExpandsPastTheLimitByAnotherFilter_FailsItsTaskSayingSo(string filter)
    {
        await using var server = await RunningServer.StartAsync(EightMegabytes);
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();
        var content = Encoding.ASCII.GetBytes("BT /F1 12 Tf 72 700 Td (Hello) Tj ET\n" + new string(' ', 16 << 20));
        var encoded = filter == "LZWDecode" ? Lzw(content) : RunLength(content);

        var accepted = Assert.Single(await http.UploadAsync(("bomb.pdf", MinimalPdf.WithContent([encoded], filter))));
        var end = await events.WaitForEndAsync(accepted.Str("taskId"));

        Assert.Equal("too_large", end.Data().GetProperty("error").Str("code"));
    }

    [Fact]
    public async Task Upload_OfAPdfWithinTheLimit_IsIndexed()
    {
        await using var server = await RunningServer.StartAsync(EightMegabytes);
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();
        var pdf = MinimalPdf.WithContent([MinimalPdf.FlateTextAndSpaces("Hello from a lighthouse", 4L << 20)], "FlateDecode");

        var accepted = Assert.Single(await http.UploadAsync(("small.pdf", pdf)));
        var end = await events.WaitForEndAsync(accepted.Str("taskId"));

        Assert.Equal("task.completed", end.Type());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(70_000)]
    public void Counts_AreTheLengthsPdfPigDecodesTo(int seed)
    {
        var random = new Random(seed);
        var data = new byte[200_000];
        for (var i = 0; i < data.Length; i++)
        {
            // Runs and noise, so every kind of code and run comes up.
            data[i] = (byte)(i % 1000 < 600 ? 'a' + (i / 1000 % 3) : random.Next(256));
        }
        var none = new DictionaryToken(new Dictionary<NameToken, IToken>());

        // The encoders below are right: PdfPig decodes what they make back to the data.
        Assert.Equal(data, new LzwFilter().Decode(Lzw(data), none, DefaultFilterProvider.Instance, 0).ToArray());
        Assert.Equal(data, new RunLengthFilter().Decode(RunLength(data), none, DefaultFilterProvider.Instance, 0).ToArray());

        Assert.Equal(data.Length, DecodeBudget.LzwLength(Lzw(data), 1, long.MaxValue));
        Assert.Equal(data.Length, DecodeBudget.RunLengthLength(RunLength(data)));
        Assert.Equal(data.Length, DecodeBudget.InflatedLength(Zlib(data), long.MaxValue));
        // Counting stops soon after the limit: at the end of the block of up to 64 KB it was inflating.
        Assert.InRange(DecodeBudget.InflatedLength(Zlib(data), 1000), 1000, 1000 + (64 * 1024));
    }

    private static byte[] Zlib(byte[] data)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(data);
        }
        return output.ToArray();
    }

    /// <summary>RunLength: runs of 2 to 128 equal bytes as (257 − n, byte), the rest as literals of up to 128.</summary>
    private static byte[] RunLength(byte[] data)
    {
        var output = new List<byte>();
        var i = 0;
        while (i < data.Length)
        {
            var run = 1;
            while (i + run < data.Length && run < 128 && data[i + run] == data[i])
            {
                run++;
            }
            if (run > 1)
            {
                output.Add((byte)(257 - run));
                output.Add(data[i]);
                i += run;
                continue;
            }
            var start = i;
            while (i < data.Length && i - start < 128 && (i + 1 >= data.Length || data[i + 1] != data[i]))
            {
                i++;
            }
            if (i == start)
            {
                i++;
            }
            output.Add((byte)(i - start - 1));
            output.AddRange(data.AsSpan(start, i - start));
        }
        output.Add(128);
        return [.. output];
    }

    /// <summary>
    /// PDF's LZW with early change: codes of 9 to 12 bits, most significant first, the width following
    /// the decoder's table (one entry behind the encoder's); the table is cleared before it is full.
    /// </summary>
    private static byte[] Lzw(byte[] data)
    {
        var output = new List<byte>();
        long buffer = 0;
        var bits = 0;
        var width = 9;
        var decoderNext = 258;
        var firstAfterClear = true;
        void Emit(int code)
        {
            buffer = ((buffer << width) | (uint)code) & 0xFFFFFFFF;
            bits += width;
            while (bits >= 8)
            {
                output.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }
        void EmitData(int code)
        {
            Emit(code);
            if (!firstAfterClear)
            {
                decoderNext++;
            }
            firstAfterClear = false;
            width = decoderNext >= 2047 ? 12 : decoderNext >= 1023 ? 11 : decoderNext >= 511 ? 10 : 9;
        }
        var table = new Dictionary<(int Prefix, byte Next), int>();
        var next = 258;
        Emit(256);
        var current = -1;
        foreach (var b in data)
        {
            if (current < 0)
            {
                current = b;
                continue;
            }
            if (table.TryGetValue((current, b), out var code))
            {
                current = code;
                continue;
            }
            EmitData(current);
            table[(current, b)] = next++;
            if (next >= 4095)
            {
                Emit(256);
                table.Clear();
                next = 258;
                decoderNext = 258;
                firstAfterClear = true;
                width = 9;
            }
            current = b;
        }
        if (current >= 0)
        {
            EmitData(current);
        }
        Emit(257);
        if (bits > 0)
        {
            output.Add((byte)(buffer << (8 - bits)));
        }
        return [.. output];
    }
}
