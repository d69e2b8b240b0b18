namespace ConnectorHealth.Contracts;

/// <summary>
/// What a run's lineage may hold, in one place beside <see cref="RunDefinition"/>: the door refuses an OpenLineage event
/// whose run would break these, and every consumer checks each message against them (<see cref="Problems"/>).
/// </summary>
public static class LineageDefinition
{
    /// <summary>A job's or dataset's namespace or name, and a producer URI: storable text of 1 to 2,000 characters.</summary>
    public const int MaxNameLength = 2_000;

    /// <summary>Inputs, and outputs, of one run.</summary>
    public const int MaxDatasets = 500;

    /// <summary>Fields of one dataset's schema, nested ones included.</summary>
    public const int MaxSchemaFields = 10_000;

    /// <summary>
    /// Levels of nested fields in one dataset's schema. Each level is two levels of JSON in a message (a list of fields,
    /// a field), under the envelope, the run, its lineage and the dataset: 20 levels keep a message within the 64 levels
    /// the consumers' JSON readers allow.
    /// </summary>
    public const int MaxSchemaDepth = 20;

    /// <summary>A field's name or type string.</summary>
    public const int MaxFieldTextLength = 2_000;

    /// <summary>Assertions of one dataset in one run.</summary>
    public const int MaxAssertions = 1_000;

    /// <summary>An assertion's name or column; and the jobType facet's words.</summary>
    public const int MaxShortTextLength = 1_000;

    public static IReadOnlyList<RunProblem> Problems(RunLineage lineage, string field = "lineage")
    {
        var problems = new List<RunProblem>();
        void Add(string at, string message) => problems.Add(new RunProblem(at, message));
        Name(lineage.JobNamespace, $"{field}.jobNamespace", Add);
        Name(lineage.JobName, $"{field}.jobName", Add);
        Name(lineage.Producer, $"{field}.producer", Add);
        if (!Enum.IsDefined(lineage.LastEventType))
        {
            Add($"{field}.lastEventType", $"lastEventType must be one of: {EnumNames.List<LineageEventType>()}.");
        }
        if (lineage.Events < 1)
        {
            Add($"{field}.events", "events must be at least 1.");
        }
        Short(lineage.ProcessingType, $"{field}.processingType", Add);
        Short(lineage.Integration, $"{field}.integration", Add);
        Short(lineage.JobType, $"{field}.jobType", Add);
        if (lineage.Parent is { } parent)
        {
            if (parent.RunId == Guid.Empty)
            {
                Add($"{field}.parent.runId", "parent.runId must be a non-empty UUID.");
            }
            Name(parent.JobNamespace, $"{field}.parent.jobNamespace", Add);
            Name(parent.JobName, $"{field}.parent.jobName", Add);
            if (!RunDefinition.IsConnectorName(parent.Connector))
            {
                Add($"{field}.parent.connector", $"parent.connector must be {RunDefinition.ConnectorNameRule}.");
            }
        }
        if (lineage.NominalEndTime < lineage.NominalStartTime)
        {
            Add($"{field}.nominalEndTime", "nominalEndTime is before nominalStartTime.");
        }
        Datasets(lineage.Inputs, $"{field}.inputs", Add);
        Datasets(lineage.Outputs, $"{field}.outputs", Add);
        return problems;
    }

    private static void Datasets(IReadOnlyList<LineageDataset>? datasets, string field, Action<string, string> add)
    {
        if (datasets is null)
        {
            add(field, $"{field} must be a list (it may be empty).");
            return;
        }
        if (datasets.Count > MaxDatasets)
        {
            add(field, $"At most {MaxDatasets} datasets (got {datasets.Count:N0}).");
            return;
        }
        for (var i = 0; i < datasets.Count; i++)
        {
            var at = $"{field}[{i}]";
            if (datasets[i] is not { } dataset)
            {
                add(at, "A dataset is required, not null.");
                continue;
            }
            Name(dataset.Namespace, $"{at}.namespace", add);
            Name(dataset.Name, $"{at}.name", add);
            if (dataset.Namespace is not null && dataset.Name is not null && dataset.Key != LineageNames.Dataset(dataset.Namespace, dataset.Name))
            {
                add($"{at}.key", "key is not the dataset's derived key.");
            }
            if (dataset.RowCount < 0)
            {
                add($"{at}.rowCount", "rowCount must not be negative.");
            }
            if (dataset.Bytes < 0)
            {
                add($"{at}.bytes", "bytes must not be negative.");
            }
            if (dataset.Schema is { } schema && SchemaProblem(schema, $"{at}.schema") is { } schemaProblem)
            {
                add(schemaProblem.Field, schemaProblem.Message);
            }
            if (dataset.Assertions is null)
            {
                add($"{at}.assertions", "assertions must be a list (it may be empty).");
            }
            else if (dataset.Assertions.Count > MaxAssertions)
            {
                add($"{at}.assertions", $"At most {MaxAssertions} assertions (got {dataset.Assertions.Count:N0}).");
            }
            else
            {
                for (var j = 0; j < dataset.Assertions.Count; j++)
                {
                    var assertion = dataset.Assertions[j];
                    if (assertion is null)
                    {
                        add($"{at}.assertions[{j}]", "An assertion is required, not null.");
                        continue;
                    }
                    Text(assertion.Assertion, $"{at}.assertions[{j}].assertion", MaxShortTextLength, add, required: true);
                    Text(assertion.Column, $"{at}.assertions[{j}].column", MaxShortTextLength, add, required: false);
                }
            }
        }
    }

    /// <summary>What keeps <paramref name="fields"/> from being a dataset's schema (the first problem found), or null.</summary>
    public static RunProblem? SchemaProblem(IReadOnlyList<DatasetField> fields, string field = "schema")
    {
        var count = 0;
        return Walk(fields, field, 1);

        RunProblem? Walk(IReadOnlyList<DatasetField> level, string at, int depth)
        {
            if (depth > MaxSchemaDepth)
            {
                return new RunProblem(at, $"Schema fields nest at most {MaxSchemaDepth} levels deep.");
            }
            for (var i = 0; i < level.Count; i++)
            {
                var here = $"{at}[{i}]";
                if (level[i] is not { } f)
                {
                    return new RunProblem(here, "A field is required, not null.");
                }
                if (++count > MaxSchemaFields)
                {
                    return new RunProblem(field, $"A schema has at most {MaxSchemaFields:N0} fields, nested ones included.");
                }
                if (f.Name is null || f.Name.Length == 0)
                {
                    return new RunProblem($"{here}.name", "A field's name is required and not empty.");
                }
                if (RunDefinition.TextProblem(f.Name, $"{here}.name", MaxFieldTextLength) is { } nameProblem)
                {
                    return new RunProblem($"{here}.name", nameProblem);
                }
                if (f.Type is not null && RunDefinition.TextProblem(f.Type, $"{here}.type", MaxFieldTextLength) is { } typeProblem)
                {
                    return new RunProblem($"{here}.type", typeProblem);
                }
                if (f.Fields is { } nested && Walk(nested, $"{here}.fields", depth + 1) is { } nestedProblem)
                {
                    return nestedProblem;
                }
            }
            return null;
        }
    }

    private static void Name(string? text, string field, Action<string, string> add) =>
        Text(text, field, MaxNameLength, add, required: true);

    private static void Short(string? text, string field, Action<string, string> add) =>
        Text(text, field, MaxShortTextLength, add, required: false);

    private static void Text(string? text, string field, int maxLength, Action<string, string> add, bool required)
    {
        if (text is null || text.Length == 0)
        {
            if (required)
            {
                add(field, $"{field} is required and not empty.");
            }
            return;
        }
        if (RunDefinition.TextProblem(text, field, maxLength) is { } problem)
        {
            add(field, problem);
        }
    }
}
