using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Runner.Payloads;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Lineage;

/// <summary>What <c>POST /api/v1/lineage</c> accepts and how events become runs (configuration section <c>Runner:Lineage</c>).</summary>
public sealed class LineageOptions
{
    /// <summary>
    /// What one event may hold as received, facets and all (kept whole in <c>runner.lineage_events</c>). Spark's plan
    /// facets are large, so these are wider than a payload's.
    /// </summary>
    [Required]
    [ValidateObjectMembers]
    public PayloadLimits Event { get; set; } = new()
    {
        MaxBytes = 4 * 1024 * 1024,
        MaxDepth = 48,
        MaxKeys = 100_000,
        MaxStringLength = 1024 * 1024,
    };

    /// <summary>Facets in one facets object (a run's, a job's, a dataset's).</summary>
    [Range(1, 100_000)]
    public int MaxFacets { get; set; } = 1_000;

    /// <summary>Events in one <c>POST /api/v1/lineage/batch</c>.</summary>
    [Range(1, 100_000)]
    public int MaxBatch { get; set; } = 1_000;

    /// <summary>
    /// How long a run whose end (COMPLETE, FAIL, ABORT) came before its START waits for the START before it is
    /// finished without it (its start is then its earliest event's time).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan StartGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often each replica publishes what runs in progress have gained, and finishes runs whose grace is over.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(1);
}
