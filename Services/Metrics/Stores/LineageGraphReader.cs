using ConnectorHealth.Metrics.Responses;
using ConnectorHealth.Metrics.Status;

namespace ConnectorHealth.Metrics.Stores;

// Walks the lineage graph out from a job or a dataset, a job step at a time: upstream, the datasets the frontier reads
// and the jobs that write them; downstream, the datasets it writes and the jobs that read them. Each job found gets its
// state as the status board judges it now.
public sealed class LineageGraphReader(LineageStore edges, KpiStore kpis, StatusRules rules, TimeProvider time)
{
    public const int MaxHops = 2;

    private const string Center = "center";
    private const string Upstream = "upstream";
    private const string Downstream = "downstream";

    // Null when the job has neither edges nor runs.
    public async Task<LineageGraph?> AroundJobAsync(string connector, int hops, CancellationToken cancellationToken)
    {
        var walk = new Walk(edges);
        walk.Jobs[connector] = (Center, 0);
        foreach (var (side, datasetDirection, jobDirection) in Sides)
        {
            IReadOnlyCollection<string> frontier = [connector];
            for (var distance = 1; distance <= hops && frontier.Count > 0; distance++)
            {
                frontier = await walk.StepAsync(frontier, datasetDirection, jobDirection, side, distance, cancellationToken);
            }
        }
        var graph = await GraphAsync(connector, "job", hops, walk, cancellationToken);
        return walk.Seen.Count == 0 && graph.Jobs[0].State is null ? null : graph;
    }

    // Null when no run read or wrote the dataset.
    public async Task<LineageGraph?> AroundDatasetAsync(string key, int hops, CancellationToken cancellationToken)
    {
        var walk = new Walk(edges);
        var own = await edges.OfDatasetsAsync([key], cancellationToken);
        if (own.Count == 0)
        {
            return null;
        }
        walk.Seen.AddRange(own);
        walk.Datasets[key] = (own[0].Namespace, own[0].Name, Center, 0);
        foreach (var (side, datasetDirection, jobDirection) in Sides)
        {
            var frontier = walk.AddJobs(own.Where(e => e.Direction == jobDirection), side, 1);
            for (var distance = 2; distance <= hops && frontier.Count > 0; distance++)
            {
                frontier = await walk.StepAsync(frontier, datasetDirection, jobDirection, side, distance, cancellationToken);
            }
        }
        return await GraphAsync(key, "dataset", hops, walk, cancellationToken);
    }

    // Upstream a job reads datasets that jobs write; downstream it writes datasets that jobs read.
    private static readonly (string Side, string DatasetDirection, string JobDirection)[] Sides =
        [(Upstream, Ingest.LineageEdges.Reads, Ingest.LineageEdges.Writes), (Downstream, Ingest.LineageEdges.Writes, Ingest.LineageEdges.Reads)];

    private async Task<LineageGraph> GraphAsync(string center, string kind, int hops, Walk walk, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var facts = (await kpis.ConnectorFactsAsync(now, new StatusBoardFilter(Connectors: walk.Jobs.Keys), cancellationToken))
            .ToDictionary(f => f.Connector, StringComparer.Ordinal);
        var jobs = walk.Jobs
            .OrderBy(j => j.Value.Distance).ThenBy(j => j.Value.Side, StringComparer.Ordinal).ThenBy(j => j.Key, StringComparer.Ordinal)
            .Select(j =>
            {
                var known = facts.GetValueOrDefault(j.Key);
                var verdict = known is null ? null : rules.Judge(known, now);
                return new LineageJobNode(j.Key, j.Value.Side, j.Value.Distance, verdict?.Level.Name(), verdict?.Reasons ?? [], known?.LastRunStatus, known?.LastRunAt);
            })
            .ToList();
        var datasets = walk.Datasets
            .OrderBy(d => d.Value.Distance).ThenBy(d => d.Value.Side, StringComparer.Ordinal).ThenBy(d => d.Key, StringComparer.Ordinal)
            .Select(d => new LineageDatasetNode(d.Key, d.Value.Namespace, d.Value.Name, d.Value.Side, d.Value.Distance))
            .ToList();
        var edgeList = walk.Seen
            .Where(e => walk.Jobs.ContainsKey(e.Job) && walk.Datasets.ContainsKey(e.Dataset))
            .DistinctBy(e => (e.Job, e.Direction, e.Dataset))
            .OrderBy(e => e.Job, StringComparer.Ordinal).ThenBy(e => e.Direction, StringComparer.Ordinal).ThenBy(e => e.Dataset, StringComparer.Ordinal)
            .Select(e => new LineageEdgeDetail(e.Job, e.Direction, e.Dataset, e.LastSeenAt, e.LastRunId))
            .ToList();
        return new LineageGraph(center, kind, hops, jobs, datasets, edgeList);
    }

    private sealed class Walk(LineageStore edges)
    {
        public Dictionary<string, (string Side, int Distance)> Jobs { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, (string Namespace, string Name, string Side, int Distance)> Datasets { get; } = new(StringComparer.Ordinal);

        public List<LineageStore.Edge> Seen { get; } = [];

        // One job step from the frontier: its datasets in datasetDirection, then their jobs in jobDirection. Returns the
        // jobs found for the first time.
        public async Task<IReadOnlyCollection<string>> StepAsync(
            IReadOnlyCollection<string> frontier, string datasetDirection, string jobDirection, string side, int distance, CancellationToken cancellationToken)
        {
            var ofJobs = (await edges.OfJobsAsync(frontier, cancellationToken)).Where(e => e.Direction == datasetDirection).ToList();
            Seen.AddRange(ofJobs);
            var reached = new List<string>();
            foreach (var edge in ofJobs)
            {
                if (Datasets.TryAdd(edge.Dataset, (edge.Namespace, edge.Name, side, distance)))
                {
                    reached.Add(edge.Dataset);
                }
            }
            var ofDatasets = (await edges.OfDatasetsAsync(reached, cancellationToken)).Where(e => e.Direction == jobDirection).ToList();
            Seen.AddRange(ofDatasets);
            return AddJobs(ofDatasets, side, distance);
        }

        public IReadOnlyCollection<string> AddJobs(IEnumerable<LineageStore.Edge> found, string side, int distance)
        {
            var added = new List<string>();
            foreach (var edge in found)
            {
                if (Jobs.TryAdd(edge.Job, (side, distance)))
                {
                    added.Add(edge.Job);
                }
            }
            return added;
        }
    }
}
