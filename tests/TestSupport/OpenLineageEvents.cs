using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ConnectorHealth.TestSupport;

/// <summary>
/// The OpenLineage events of <c>tests/IntegrationTests/Runner/OpenLineage/Events</c> (shaped as Airflow, dbt-ol, Spark
/// and Flink send them), with fresh run ids and times: each instance maps every run id of the files to a new one (the
/// same in every file it loads, so parent links hold) and moves every event time by one shift (so the events keep their
/// order and spacing, and end before now).
/// </summary>
public sealed partial class OpenLineageEvents
{
    /// <summary>The earliest event time in the files: it lands <see cref="HowLongAgo"/> before the instance was made.</summary>
    private static readonly DateTimeOffset FilesStart = new(2026, 12, 8, 6, 0, 0, TimeSpan.Zero);

    private static readonly TimeSpan HowLongAgo = TimeSpan.FromHours(4);

    private readonly Dictionary<string, string> _runIds = [];
    private readonly TimeSpan _shift;

    public OpenLineageEvents(DateTimeOffset? start = null)
    {
        // Whole seconds, so the times the files give to the microsecond stay exact.
        var at = start ?? DateTimeOffset.UtcNow - HowLongAgo;
        _shift = new DateTimeOffset(at.UtcTicks - at.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero) - FilesStart;
    }

    public static string Directory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ConnectorHealth.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "IntegrationTests", "Runner", "OpenLineage", "Events");
            }
        }
        throw new InvalidOperationException($"No ConnectorHealth.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>The new run id that stands for the files' <paramref name="fileRunId"/>.</summary>
    public Guid RunId(string fileRunId) => Guid.Parse(Map(fileRunId));

    /// <summary>The event of <paramref name="file"/> (e.g. <c>dbt-run-start</c>) with this instance's run ids and times.</summary>
    public JsonObject Load(string file)
    {
        var text = File.ReadAllText(Path.Combine(Directory(), file.EndsWith(".json", StringComparison.Ordinal) ? file : file + ".json"));
        text = Uuid().Replace(text, m => Map(m.Value));
        var node = JsonNode.Parse(text)!.AsObject();
        node["eventTime"] = Shift(node["eventTime"]!.GetValue<string>());
        return node;
    }

    /// <summary>The time an event time of the files stands for.</summary>
    public DateTimeOffset Time(string fileTime) => DateTimeOffset.Parse(fileTime, System.Globalization.CultureInfo.InvariantCulture) + _shift;

    private string Shift(string fileTime) => Time(fileTime).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private string Map(string fileRunId)
    {
        if (!_runIds.TryGetValue(fileRunId, out var mapped))
        {
            mapped = Guid.CreateVersion7().ToString();
            _runIds[fileRunId] = mapped;
        }
        return mapped;
    }

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex Uuid();
}
