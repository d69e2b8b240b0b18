using System.ComponentModel.DataAnnotations;

namespace ConnectorHealth.Drift.Schemas;

/// <summary>
/// How far schema inference reads into a payload (configuration section <c>Drift:Inference</c>). Reaching a limit
/// leaves a partial schema that names the limit (<see cref="InferenceLimit"/>) in
/// <see cref="InferredSchema.LimitsHit"/>.
/// </summary>
public sealed class InferenceLimits
{
    /// <summary>
    /// Levels of objects and arrays read below the root; a container at this level keeps its type, its content is not
    /// read. Bounds the inferrer's recursion.
    /// </summary>
    [Range(1, 256)]
    public int MaxDepth { get; set; } = 32;

    /// <summary>Distinct paths in one schema, the root included.</summary>
    [Range(1, 100_000)]
    public int MaxFields { get; set; } = 2000;

    /// <summary>Items of each array merged into its item schema; the rest are not read.</summary>
    [Range(1, 100_000)]
    public int ArraySample { get; set; } = 100;

    /// <summary>Characters in one path; a longer path (and everything under it) is left out.</summary>
    [Range(16, 65_536)]
    public int MaxPathLength { get; set; } = 512;
}
