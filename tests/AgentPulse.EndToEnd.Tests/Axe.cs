using System.Text.Json;

namespace AgentPulse.EndToEnd.Tests;

/// <summary>
/// axe-core (the npm package, restored by the build into bin/…/axe/axe.min.js) run in the page: every
/// state a test visits is checked with the WCAG 2.x A and AA rules and best practices.
/// </summary>
internal static class Axe
{
    private static readonly Lazy<string> Script = new(() => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "axe", "axe.min.js")));

    /// <summary>Fails with each violation (rule, impact, the elements and why) when axe-core finds any in the page as it is now.</summary>
    public static async Task AssertNoViolationsAsync(IPage page, string state)
    {
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            await page.AddScriptTagAsync(new() { Content = Script.Value });
        }
        var json = await page.EvaluateAsync<string>("""
            async () => {
              const results = await window.axe.run(document, { resultTypes: ['violations'] });
              return JSON.stringify(results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ') + ' → ' + (n.failureSummary || '').replace(/\s+/g, ' ')),
              })));
            }
            """);
        var violations = JsonSerializer.Deserialize<List<Violation>>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web)) ?? [];
        Assert.True(violations.Count == 0, $"axe-core found {violations.Count} violation(s) in state '{state}':\n" + string.Join("\n", violations.Select(v =>
            $"- {v.Id} ({v.Impact}): {v.Help}\n    " + string.Join("\n    ", v.Nodes))));
    }

    private sealed record Violation(string Id, string? Impact, string Help, List<string> Nodes);
}
