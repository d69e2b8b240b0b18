namespace ConnectorHealth.ServiceDefaults;

/// <summary>
/// The gateway's API key on the wire: the header that carries it and the security scheme the OpenAPI documents declare
/// for it. One home for the gateway that checks it, the services' documents that declare it and every client that sends it.
/// </summary>
public static class ApiKeyHeader
{
    /// <summary>The request header that carries the viewer or operator key.</summary>
    public const string Name = "X-Api-Key";

    /// <summary>The name of the API-key security scheme in every OpenAPI document (and the API reference's preference).</summary>
    public const string OpenApiScheme = "ApiKey";
}
