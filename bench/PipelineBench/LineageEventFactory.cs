using System.Text.Json.Nodes;
using System.Text;

namespace ConnectorHealth.PipelineBench;

// OpenLineage run events as a dbt-like producer sends them: per run a START, then a COMPLETE (5 % FAIL with an
// errorMessage) with one output dataset whose schema facet has 8-12 fields (2 % of runs add a column) and its row count.
// Each worker of a window takes its own source (Worker), so a run's START goes before its COMPLETE.
internal sealed class LineageEventFactory(string jobNamespace, IReadOnlyList<string> jobs, int seed)
{
    private const string Producer = "https://github.com/OpenLineage/OpenLineage/tree/1.52.0/integration/dbt";
    private const string SchemaUrl = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
    private readonly Random _random = new(seed);
    private readonly Lock _gate = new();
    private int _next;

    public Func<(byte[] Body, Guid RunId, bool Ends)> Worker()
    {
        (byte[] Body, Guid RunId)? pending = null;
        return () =>
        {
            if (pending is { } complete)
            {
                pending = null;
                return (complete.Body, complete.RunId, true);
            }
            var (start, end) = Run();
            pending = end;
            return (start.Body, start.RunId, false);
        };
    }

    private ((byte[] Body, Guid RunId) Start, (byte[] Body, Guid RunId) End) Run()
    {
        string job;
        int fields;
        bool fail;
        long rows;
        lock (_gate)
        {
            var index = _next++ % jobs.Count;
            job = jobs[index];
            fields = 8 + index % 5 + (_random.NextDouble() < 0.02 ? 1 : 0);
            fail = _random.NextDouble() < 0.05;
            rows = _random.NextInt64(1_000, 100_000);
        }
        var runId = Guid.CreateVersion7();
        var now = DateTimeOffset.UtcNow;
        var output = new JsonObject
        {
            ["namespace"] = "postgres://warehouse:5432",
            ["name"] = $"analytics.public.{job}",
            ["facets"] = new JsonObject
            {
                ["schema"] = Facet("SchemaDatasetFacet", new JsonObject
                {
                    ["fields"] = new JsonArray([.. Enumerable.Range(0, fields).Select(i => (JsonNode)new JsonObject
                    {
                        ["name"] = i == 0 ? "id" : $"column_{i}",
                        ["type"] = (i % 3) switch { 0 => "integer", 1 => "text", _ => "numeric" },
                    })]),
                }),
            },
            ["outputFacets"] = new JsonObject { ["outputStatistics"] = Facet("OutputStatisticsOutputDatasetFacet", new JsonObject { ["rowCount"] = rows }) },
        };
        var start = Event("START", runId, job, now.AddSeconds(-2), null, null);
        var end = Event(fail ? "FAIL" : "COMPLETE", runId, job, now,
            fail ? new JsonObject { ["errorMessage"] = Facet("ErrorMessageRunFacet", new JsonObject { ["message"] = "relation does not exist", ["programmingLanguage"] = "sql" }) } : null,
            new JsonArray(output));
        return ((start, runId), (end, runId));
    }

    private byte[] Event(string type, Guid runId, string job, DateTimeOffset at, JsonObject? runFacets, JsonArray? outputs)
    {
        var e = new JsonObject
        {
            ["eventType"] = type,
            ["eventTime"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["producer"] = Producer,
            ["schemaURL"] = SchemaUrl,
            ["run"] = new JsonObject { ["runId"] = runId.ToString(), ["facets"] = runFacets ?? new JsonObject() },
            ["job"] = new JsonObject
            {
                ["namespace"] = jobNamespace,
                ["name"] = job,
                ["facets"] = new JsonObject
                {
                    ["jobType"] = Facet("JobTypeJobFacet", new JsonObject { ["processingType"] = "BATCH", ["integration"] = "DBT", ["jobType"] = "MODEL" }),
                },
            },
            ["inputs"] = new JsonArray(),
            ["outputs"] = outputs ?? new JsonArray(),
        };
        return Encoding.UTF8.GetBytes(e.ToJsonString());
    }

    private static JsonObject Facet(string name, JsonObject body)
    {
        body["_producer"] = Producer;
        body["_schemaURL"] = $"https://openlineage.io/spec/facets/1-0-0/{name}.json#/$defs/{name}";
        return body;
    }
}
