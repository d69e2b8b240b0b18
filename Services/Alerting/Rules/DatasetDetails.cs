namespace ConnectorHealth.Alerting.Rules;

/// <summary>
/// The names an alert about one OpenLineage dataset keeps in its details, which the API shows as the alert's dataset,
/// assertion and column.
/// </summary>
public static class DatasetDetails
{
    public const string Key = "dataset_key";
    public const string Namespace = "dataset_namespace";
    public const string Name = "dataset_name";
    public const string Assertion = "assertion";
    public const string Column = "column";

    public static Dictionary<string, string> Of(string key, string datasetNamespace, string name) => new()
    {
        [Key] = key,
        [Namespace] = datasetNamespace,
        [Name] = name,
    };

    /// <summary>How a dataset reads in a message: its namespace and name as the producer sent them.</summary>
    public static string Display(string datasetNamespace, string name) => $"{datasetNamespace}/{name}";
}
