namespace ConnectorHealth.Drift.Schemas;

/// <summary>The names by which <see cref="InferredSchema.LimitsHit"/> reports the <see cref="InferenceLimits"/> reached.</summary>
public static class InferenceLimit
{
    /// <summary><see cref="InferenceLimits.MaxDepth"/> stopped the descent into a container that had content.</summary>
    public const string Depth = "depth";

    /// <summary><see cref="InferenceLimits.MaxFields"/> kept paths out.</summary>
    public const string Fields = "fields";

    /// <summary>An array had more items than <see cref="InferenceLimits.ArraySample"/>.</summary>
    public const string ArraySample = "array-sample";

    /// <summary>A path longer than <see cref="InferenceLimits.MaxPathLength"/> was left out.</summary>
    public const string PathLength = "path-length";
}
