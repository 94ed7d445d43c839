using StbImageSharp;

namespace AgentPulse.EndToEnd.Tests;

/// <summary>The pixels of a screenshot of the page's viewport (the tests run at a device scale of 1, so CSS pixels).</summary>
internal sealed class Pixels
{
    private readonly ImageResult image;

    private Pixels(ImageResult image) => this.image = image;

    /// <summary>Takes a screenshot, saved as screenshots/<paramref name="name"/>.png.</summary>
    public static async Task<Pixels> TakeAsync(Chromium browser, string name) =>
        new(ImageResult.FromMemory(await browser.ScreenshotAsync(name), ColorComponents.RedGreenBlue));

    public (int R, int G, int B) At(double x, double y)
    {
        var px = Math.Clamp((int)Math.Round(x), 0, image.Width - 1);
        var py = Math.Clamp((int)Math.Round(y), 0, image.Height - 1);
        var i = (py * image.Width + px) * 3;
        return (image.Data[i], image.Data[i + 1], image.Data[i + 2]);
    }

    /// <summary>Whether the pixel at (x, y) is within <paramref name="tolerance"/> of <paramref name="hex"/> ("#rrggbb") in every channel.</summary>
    public bool Is(double x, double y, string hex, int tolerance = 36)
    {
        var (r, g, b) = At(x, y);
        var want = Convert.FromHexString(hex.TrimStart('#'));
        return Math.Abs(r - want[0]) <= tolerance && Math.Abs(g - want[1]) <= tolerance && Math.Abs(b - want[2]) <= tolerance;
    }

    /// <summary>Of <paramref name="samples"/> points evenly along the segment from one point to another, the share that is <paramref name="hex"/>.</summary>
    public double ShareAlong((double X, double Y) from, (double X, double Y) to, string hex, int samples = 60)
    {
        var hits = 0;
        for (var i = 0; i < samples; i++)
        {
            var t = (i + 0.5) / samples;
            hits += Is(from.X + (to.X - from.X) * t, from.Y + (to.Y - from.Y) * t, hex) ? 1 : 0;
        }
        return (double)hits / samples;
    }

    /// <summary>How many pixels in the box spanned by <paramref name="corners"/> are <paramref name="hex"/>.</summary>
    public int CountIn(IEnumerable<(double X, double Y)> corners, string hex)
    {
        var points = corners.ToList();
        var (left, right) = ((int)points.Min(p => p.X), (int)points.Max(p => p.X));
        var (top, bottom) = ((int)points.Min(p => p.Y), (int)points.Max(p => p.Y));
        var count = 0;
        for (var y = Math.Max(0, top); y <= Math.Min(image.Height - 1, bottom); y++)
        {
            for (var x = Math.Max(0, left); x <= Math.Min(image.Width - 1, right); x++)
            {
                count += Is(x, y, hex) ? 1 : 0;
            }
        }
        return count;
    }
}
