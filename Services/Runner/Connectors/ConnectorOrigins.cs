namespace ConnectorHealth.Runner.Connectors;

/// <summary>Where a connector is defined. Configuration wins: a connector it names is replaced and deleted only there.</summary>
public static class ConnectorOrigins
{
    /// <summary><c>Runner:Connectors</c>: seeded at each start; the API may pause and resume it, not replace or delete it.</summary>
    public const string Configuration = "configuration";

    /// <summary>Created through <c>PUT /api/connectors/{name}</c>.</summary>
    public const string Api = "api";
}
