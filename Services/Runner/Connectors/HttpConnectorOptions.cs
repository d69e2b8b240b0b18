namespace ConnectorHealth.Runner.Connectors;

public sealed class HttpConnectorOptions
{
    public string Url { get; set; } = "";
    public string Method { get; set; } = "GET";
    public Dictionary<string, string> Headers { get; set; } = [];

    /// <summary>Header that carries a secret (e.g. <c>Authorization</c>, <c>X-Api-Key</c>); its value comes from <see cref="SecretValue"/>.</summary>
    public string? SecretHeader { get; set; }

    /// <summary>Set from a secret store or an Aspire parameter, never committed.</summary>
    public string? SecretValue { get; set; }
}
