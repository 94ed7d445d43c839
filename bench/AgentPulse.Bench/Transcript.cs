using System.Text;

namespace AgentPulse.Bench;

/// <summary>Writes to the console and keeps a copy: the run's progress lines, saved as <c>latest.log</c> beside the results.</summary>
internal sealed class Transcript : TextWriter
{
    private readonly TextWriter console;
    private readonly StringBuilder copy = new();
    private readonly Lock gate = new();

    public Transcript(TextWriter console) => this.console = console;

    public override Encoding Encoding => console.Encoding;

    public override void Write(char value)
    {
        lock (gate)
        {
            console.Write(value);
            copy.Append(value);
        }
    }

    public override void Write(string? value)
    {
        lock (gate)
        {
            console.Write(value);
            copy.Append(value);
        }
    }

    public override void WriteLine(string? value)
    {
        lock (gate)
        {
            console.WriteLine(value);
            copy.Append(value).Append('\n');
        }
    }

    public override string ToString()
    {
        lock (gate)
        {
            return copy.ToString();
        }
    }
}
