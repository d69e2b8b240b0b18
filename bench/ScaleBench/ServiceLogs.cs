using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectorHealth.ScaleBench;

// One kind of warning or error a service logged: its level and category, how many times, and the first message.
internal sealed record LoggedProblem(string Service, string Level, string Category, int Count, string First);

// The warnings and errors each service wrote to its console (every replica's, the killed one's included), as the AppHost's
// orchestrator kept them: evidence for what the figures show, grouped by level and category. The services log in the
// console logger's simple format: "warn: Category[event id]" then the message on the next line.
internal static partial class ServiceLogs
{
    // The console logger colours its level names when the orchestrator allows it (ANSI escapes around "warn").
    [GeneratedRegex("\x1B\\[[0-9;]*m")]
    private static partial Regex Colour();

    private static readonly TimeSpan ReadLimit = TimeSpan.FromSeconds(30);

    public static async Task<IReadOnlyList<LoggedProblem>> ProblemsAsync(DistributedApplication app, IEnumerable<string> services)
    {
        var logs = app.Services.GetRequiredService<ResourceLoggerService>();
        var model = app.Services.GetRequiredService<DistributedApplicationModel>();
        var problems = new List<LoggedProblem>();
        foreach (var service in services)
        {
            var resource = model.Resources.Single(r => r.Name == service);
            var found = new Dictionary<(string Level, string Category), (int Count, string First)>();
            string? pending = null;
            using var limit = new CancellationTokenSource(ReadLimit);
            try
            {
                await foreach (var batch in logs.GetAllAsync(resource).WithCancellation(limit.Token))
                {
                    foreach (var line in batch)
                    {
                        var content = Colour().Replace(line.Content, "");
                        if (pending is not null)
                        {
                            Add(found, pending, content.Trim());
                            pending = null;
                        }
                        var at = Math.Max(content.IndexOf("warn: ", StringComparison.Ordinal), content.IndexOf("fail: ", StringComparison.Ordinal));
                        if (at < 0)
                        {
                            at = content.IndexOf("crit: ", StringComparison.Ordinal);
                        }
                        if (at >= 0)
                        {
                            pending = content[at..];
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // What was read within the limit stands.
            }
            problems.AddRange(found.Select(f => new LoggedProblem(service, f.Key.Level, f.Key.Category, f.Value.Count, f.Value.First)));
        }
        return [.. problems.OrderBy(p => p.Service).ThenByDescending(p => p.Count)];
    }

    // "warn: ConnectorHealth.Runner.Runs.ConnectorScheduler[3]" and the message that follows it.
    private static void Add(Dictionary<(string Level, string Category), (int Count, string First)> found, string header, string message)
    {
        var level = header[..4];
        var category = header[6..].Trim();
        var bracket = category.IndexOf('[', StringComparison.Ordinal);
        category = bracket > 0 ? category[..bracket] : category;
        found[(level, category)] = found.TryGetValue((level, category), out var seen)
            ? (seen.Count + 1, seen.First)
            : (1, message.Length <= 300 ? message : message[..300] + "…");
    }
}
