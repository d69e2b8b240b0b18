using System.Globalization;
using System.Text.RegularExpressions;

namespace ConnectorHealth.PipelineBench;

// A report `make bench` (bench/MetricsBench) left in bench/results: the KPI endpoints on 1 M or 10 M loaded runs, which
// this bench does not repeat. Read for its p95 column and its p95 lines, to be quoted next to the cold figures.
internal sealed partial record MetricsBenchReport(string Path, DateTime WrittenUtc, long Runs, IReadOnlyDictionary<string, string> P95ByQuery, IReadOnlyList<string> P95Lines)
{
    // The newest report of each size, newest first; none if the folder holds none.
    public static IReadOnlyList<MetricsBenchReport> Newest(string folder) =>
        !Directory.Exists(folder)
            ? []
            : [.. Directory.EnumerateFiles(folder, "*metrics*.md")
                .Select(f => new FileInfo(f))
                .OrderByDescending(f => f.LastWriteTimeUtc)
                .Select(Read)
                .OfType<MetricsBenchReport>()
                .DistinctBy(r => r.Runs)];

    private static MetricsBenchReport? Read(FileInfo file)
    {
        var lines = File.ReadAllLines(file.FullName);
        if (lines.Length == 0 || RunsInTitle().Match(lines[0]) is not { Success: true } title)
        {
            return null;
        }
        var runs = long.Parse(title.Groups[1].Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
        var p95 = new Dictionary<string, string>();
        var header = Array.FindIndex(lines, l => l.StartsWith("| Query |", StringComparison.Ordinal));
        if (header >= 0)
        {
            var column = Array.IndexOf(Cells(lines[header]), "p95");
            foreach (var row in lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')))
            {
                var cells = Cells(row);
                if (column > 0 && column < cells.Length)
                {
                    p95[cells[0]] = cells[column];
                }
            }
        }
        return new MetricsBenchReport(
            file.FullName, file.LastWriteTimeUtc, runs, p95,
            [.. lines.Where(l => l.StartsWith("- ", StringComparison.Ordinal) && l.Contains("p95", StringComparison.Ordinal)).Select(l => l[2..])]);
    }

    private static string[] Cells(string row) => [.. row.Trim().Trim('|').Split('|').Select(c => c.Trim())];

    [GeneratedRegex(@"^# Metrics benchmark: ([0-9,]+) runs", RegexOptions.CultureInvariant)]
    private static partial Regex RunsInTitle();
}
