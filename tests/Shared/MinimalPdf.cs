using System.IO.Compression;
using System.Text;

namespace AgentPulse.Testing;

/// <summary>
/// Minimal one-page PDFs written byte by byte, for hostile input a PDF library would not make: a
/// content stream that inflates a thousandfold, an encoding written by hand. Shared by the server
/// tests and the hostile-input bench.
/// </summary>
public static class MinimalPdf
{
    /// <summary>
    /// A one-page PDF whose content is <paramref name="streams"/>, stored as given, under
    /// <c>/Filter /<paramref name="filter"/></c> when one is given (the caller encodes them).
    /// The page has a Helvetica font named <c>/F1</c>.
    /// </summary>
    public static byte[] WithContent(IReadOnlyList<byte[]> streams, string? filter = null)
    {
        ArgumentNullException.ThrowIfNull(streams);
        using var pdf = new MemoryStream();
        var offsets = new List<long>();
        void Write(string text) => pdf.Write(Encoding.ASCII.GetBytes(text));
        void Object(string body, byte[]? stream = null)
        {
            offsets.Add(pdf.Position);
            Write($"{offsets.Count} 0 obj\n{body}\n");
            if (stream is not null)
            {
                Write("stream\n");
                pdf.Write(stream);
                Write("\nendstream\n");
            }
            Write("endobj\n");
        }
        Write("%PDF-1.4\n");
        var contents = string.Join(' ', Enumerable.Range(5, streams.Count).Select(n => $"{n} 0 R"));
        Object("<< /Type /Catalog /Pages 2 0 R >>");
        Object("<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
        Object($"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents [{contents}] /Resources << /Font << /F1 4 0 R >> >> >>");
        Object("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
        foreach (var stream in streams)
        {
            Object($"<< /Length {stream.Length}{(filter is null ? "" : " /Filter /" + filter)} >>", stream);
        }
        var xref = pdf.Position;
        Write($"xref\n0 {offsets.Count + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            Write($"{offset:D10} 00000 n \n");
        }
        Write($"trailer\n<< /Size {offsets.Count + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return pdf.ToArray();
    }

    /// <summary>Text operators showing <paramref name="text"/>, then <paramref name="spaces"/> spaces, zlib-compressed: 64 MB of spaces is about 64 KB.</summary>
    public static byte[] FlateTextAndSpaces(string text, long spaces)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(Encoding.ASCII.GetBytes($"BT /F1 12 Tf 72 700 Td ({text}) Tj ET\n"));
            var block = new byte[1 << 20];
            Array.Fill(block, (byte)' ');
            for (var left = spaces; left > 0; left -= block.Length)
            {
                zlib.Write(block, 0, (int)Math.Min(block.Length, left));
            }
        }
        return output.ToArray();
    }
}
