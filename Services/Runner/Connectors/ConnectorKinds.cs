namespace ConnectorHealth.Runner.Connectors;

/// <summary>The connector implementations the catalog can name (<c>Runner:Connectors:&lt;name&gt;:Kind</c>).</summary>
public static class ConnectorKinds
{
    public const string GoodApi = "good_api";
    public const string RateLimitedApi = "rate_limited_api";
    public const string SchemaChanger = "schema_changer";
    public const string FlakyApi = "flaky_api";
    public const string SlowApi = "slow_api";
    public const string AuthFailingApi = "auth_failing_api";
    public const string NestedTypesApi = "nested_types_api";
    public const string NullingFieldApi = "nulling_field_api";
    public const string Http = "http";

    public static readonly IReadOnlyList<string> All =
        [GoodApi, RateLimitedApi, SchemaChanger, FlakyApi, SlowApi, AuthFailingApi, NestedTypesApi, NullingFieldApi, Http];

    public static bool IsKnown(string kind) => All.Contains(kind);
}
