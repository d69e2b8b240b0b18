using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Runner.Reports;
using ConnectorHealth.Runner.Connectors;
using ConnectorHealth.Runner.Payloads;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner;

public sealed class RunnerOptions
{
    public const string Section = "Runner";

    /// <summary>The connector catalog, keyed by connector name.</summary>
    public Dictionary<string, ConnectorOptions> Connectors { get; set; } = [];

    /// <summary>Seeds every connector's randomness (simulations, jitter); unset means a new seed per start.</summary>
    public int? Seed { get; set; }

    /// <summary>Finished runs waiting to be published; when full, schedules wait rather than drop runs.</summary>
    [Range(1, int.MaxValue)]
    public int BufferCapacity { get; set; } = 10_000;

    /// <summary>What a run's payload may hold; fetched payloads are cut to fit (<c>PayloadTruncated</c>), reports over it refused.</summary>
    [Required]
    [ValidateObjectMembers]
    public PayloadLimits Payload { get; set; } = new();

    /// <summary>What <c>POST /api/v1/lineage</c> accepts, and how OpenLineage events become runs.</summary>
    [Required]
    [ValidateObjectMembers]
    public Lineage.LineageOptions Lineage { get; set; } = new();

    /// <summary>What <c>POST /api/runs</c> accepts.</summary>
    [Required]
    [ValidateObjectMembers]
    public ReportLimits Reports { get; set; } = new();

    /// <summary>A run report unanswered for this long (the database has not stored its group) makes the runner's /health degraded.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ReportStuckAfter { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long one publish may wait for the broker's confirmation before it is retried.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "10675199.02:48:05.4775807")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Publishes awaiting the broker's confirmation at once.</summary>
    [Range(1, 10_000)]
    public int MaxPublishesInFlight { get; set; } = 64;

    /// <summary>
    /// A run whose publish fails this many times while the broker takes other runs is parked (<c>runner.parked_runs</c>)
    /// rather than retried for ever in front of the runs behind it.
    /// </summary>
    [Range(1, 1_000)]
    public int ParkAfterFailures { get; set; } = 3;

    /// <summary>
    /// How soon another replica takes over what a replica that stopped (or vanished) was doing: a scheduled run under
    /// way (run again, late and once) and the pending runs it held. Scheduled slots themselves need no taking over:
    /// every replica waits for each slot and one takes it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:03", "01:00:00")]
    public TimeSpan FailoverAfter { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often each replica compares its catalog with <c>runner.connectors</c> (changes made on it show at once).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan CatalogRefresh { get; set; } = TimeSpan.FromSeconds(2);
}
