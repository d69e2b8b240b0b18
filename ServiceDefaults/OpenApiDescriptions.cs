using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using ConnectorHealth.Contracts;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ConnectorHealth.ServiceDefaults;

/// <summary>
/// A query parameter the handler takes as text and parses itself, so that a bad value is a validation problem that
/// names it rather than binding's bare 400; the OpenAPI document describes it as the value(s) it accepts.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class ParsedAsAttribute(params Type[] types) : Attribute
{
    public IReadOnlyList<Type> Types => types;
}

/// <summary>
/// Makes the OpenAPI documents say what the services really answer: the problem details every route can return
/// (RequestTargetChecks, BadRequestProblems, status code pages), the real types of parameters parsed from text, and
/// which properties are always present.
/// </summary>
internal static class OpenApiDescriptions
{
    private const string ProblemJson = "application/problem+json";
    private const string ProblemSchema = nameof(ProblemDetails);
    private const string ValidationProblemSchema = nameof(HttpValidationProblemDetails);

    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            // Every route is reached through the gateway under the same path, and the document is served from wherever
            // its reader fetched it: the origin the reader used is the truth, not the service's own address.
            document.Servers = [new OpenApiServer { Url = "/", Description = "The origin this document was fetched from (the gateway, for clients)" }];
            return Task.CompletedTask;
        });
        options.AddDocumentTransformer((document, _, _) =>
        {
            // Clients reach every route through the gateway, which wants an API key: declared once, so an API
            // reference's "try it" asks for it.
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[ApiKeyHeader.OpenApiScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyHeader.Name,
                Description = "The viewer key (GET, HEAD) or the operator key (everything). With make run: `dotnet user-secrets list --project AppHost`.",
            };
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyHeader.OpenApiScheme, document)] = [] }];
            return Task.CompletedTask;
        });
        options.AddDocumentTransformer((document, _, _) =>
        {
            // The framework marks every constructor parameter required, but a request property that may be null
            // may also be left out: the deserializer then passes null, and the endpoint decides.
            foreach (var schema in RequestSchemas(document))
            {
                foreach (var name in schema.Required?.ToList() ?? [])
                {
                    if (schema.Properties?.TryGetValue(name, out var property) == true && AllowsNull(property))
                    {
                        schema.Required!.Remove(name);
                    }
                }
            }
            return Task.CompletedTask;
        });
        options.AddOperationTransformer(DescribeParsedParametersAsync);
        options.AddOperationTransformer(AddProblemResponsesAsync);
        options.AddSchemaTransformer((schema, context, _) =>
        {
            // Enums are written by StrictEnumConverterFactory, which the framework cannot see through: without this
            // their schemas are empty ({}), and a generated client cannot tell a name from an object.
            if ((Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type) is { IsEnum: true } enumType
                && !enumType.IsDefined(typeof(FlagsAttribute), false))
            {
                schema.Type = JsonSchemaType.String;
                schema.Enum = [.. Enum.GetNames(enumType).Select(name => (JsonNode)JsonValue.Create(EnumNames.Naming.ConvertName(name)))];
            }
            // Nullable date-times come out with a format and no type; say what they are.
            if (schema.Type is null && schema.Format == "date-time" && schema.AnyOf is null && schema.OneOf is null)
            {
                schema.Type = JsonSchemaType.String | (context.JsonTypeInfo.Type.IsValueType && Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) is not null
                    || context.JsonPropertyInfo is { IsGetNullable: true } ? JsonSchemaType.Null : 0);
            }
            // A type that takes members it does not define (its own JsonUnmappedMemberHandling is Skip, against the strict
            // default: an OpenLineage event, whose spec allows them) says so, instead of the default's "additionalProperties": false.
            if (context.JsonPropertyInfo is null && context.JsonTypeInfo is { Kind: JsonTypeInfoKind.Object, UnmappedMemberHandling: System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip })
            {
                schema.AdditionalPropertiesAllowed = true;
                schema.AdditionalProperties = new OpenApiSchema();
            }
            // A property that cannot be null is always written, and a body without it cannot be read: it is required.
            if (context.JsonPropertyInfo is null && context.JsonTypeInfo.Kind == JsonTypeInfoKind.Object && schema.Properties is { Count: > 0 })
            {
                foreach (var property in context.JsonTypeInfo.Properties.Where(p => !p.IsGetNullable && !p.IsSetNullable))
                {
                    if (schema.Properties.ContainsKey(property.Name))
                    {
                        schema.Required ??= new HashSet<string>();
                        schema.Required.Add(property.Name);
                    }
                }
            }
            return Task.CompletedTask;
        });
    }

    private static bool AllowsNull(IOpenApiSchema schema) =>
        schema.Type?.HasFlag(JsonSchemaType.Null) == true
        || schema.OneOf?.Any(s => s.Type == JsonSchemaType.Null) == true
        || schema.AnyOf?.Any(s => s.Type == JsonSchemaType.Null) == true;

    /// <summary>The component schemas a request body uses, directly or nested.</summary>
    private static IEnumerable<OpenApiSchema> RequestSchemas(OpenApiDocument document)
    {
        var components = document.Components?.Schemas;
        if (components is null)
        {
            return [];
        }
        var seen = new HashSet<string>();
        var pending = new Stack<IOpenApiSchema>(document.Paths.Values
            .SelectMany(p => p.Operations?.Values.AsEnumerable() ?? [])
            .SelectMany(o => o.RequestBody?.Content?.Values ?? [])
            .Select(m => m.Schema)
            .OfType<IOpenApiSchema>());
        var found = new List<OpenApiSchema>();
        while (pending.TryPop(out var schema))
        {
            if (schema is OpenApiSchemaReference { Reference.Id: { } id })
            {
                if (seen.Add(id) && components.TryGetValue(id, out var component) && component is OpenApiSchema target)
                {
                    found.Add(target);
                    pending.Push(target);
                }
                continue;
            }
            foreach (var nested in (schema.Properties?.Values ?? []).Concat(schema.OneOf ?? []).Concat(schema.AnyOf ?? [])
                .Append(schema.Items).OfType<IOpenApiSchema>())
            {
                pending.Push(nested);
            }
        }
        return found;
    }

    private static async Task DescribeParsedParametersAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var description in context.Description.ParameterDescriptions)
        {
            if (description.ParameterDescriptor is not IParameterInfoParameterDescriptor { ParameterInfo: var info }
                || operation.Parameters?.OfType<OpenApiParameter>().FirstOrDefault(p => p.Name == description.Name) is not { } parameter)
            {
                continue;
            }
            if (info.GetCustomAttributes(typeof(ParsedAsAttribute), false) is [ParsedAsAttribute parsed])
            {
                var schemas = new List<OpenApiSchema>();
                foreach (var type in parsed.Types)
                {
                    schemas.Add(await context.GetOrCreateSchemaAsync(type, description, cancellationToken));
                }
                parameter.Schema = schemas.Count == 1 ? schemas[0] : new OpenApiSchema { AnyOf = [.. schemas] };
            }
            if (info.GetCustomAttributes(typeof(AllowedValuesAttribute), false) is [AllowedValuesAttribute allowed]
                && parameter.Schema is OpenApiSchema schema)
            {
                schema.Enum = [.. allowed.Values.Select(v => (JsonNode)JsonValue.Create(v?.ToString() ?? ""))];
            }
        }
    }

    private static Task AddProblemResponsesAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        operation.Responses ??= [];
        var document = context.Document!;
        var problem = Reference(document, ProblemSchema, new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "RFC 9457 problem details",
            Properties = ProblemProperties(),
            Required = new HashSet<string> { "status", "title" },
        });
        var validationProperties = ProblemProperties();
        validationProperties["errors"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "Each invalid field (by its JSON path, e.g. attempts[0].number) or parameter, with what is wrong with it",
            AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
        };
        var validationProblem = Reference(document, ValidationProblemSchema, new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "RFC 9457 problem details naming each invalid field or parameter",
            Properties = validationProperties,
            Required = new HashSet<string> { "status", "title", "errors" },
        });

        Add(operation, StatusCodes.Status400BadRequest, "The request is invalid: errors names each field or parameter", validationProblem);
        Add(operation, StatusCodes.Status414UriTooLong, "The path and query are longer than the service accepts", problem);
        if (operation.RequestBody is not null)
        {
            Add(operation, StatusCodes.Status413PayloadTooLarge, "The body is larger than the service accepts", problem);
            Add(operation, StatusCodes.Status415UnsupportedMediaType, "The body is not application/json", problem);
        }
        if (operation.Parameters?.Any(p => p.In == ParameterLocation.Path) == true)
        {
            Add(operation, StatusCodes.Status404NotFound, "No such resource (or a path parameter of the wrong form)", problem);
        }

        // Status code pages give every bodiless error answer problem details, so a declared 404 carries them too.
        foreach (var (status, response) in operation.Responses)
        {
            if (status.Length == 3 && status[0] is '4' or '5' && response is OpenApiResponse { Content: null or { Count: 0 } } bare)
            {
                bare.Content = new Dictionary<string, OpenApiMediaType> { [ProblemJson] = new() { Schema = problem } };
            }
        }
        return Task.CompletedTask;
    }

    private static Dictionary<string, IOpenApiSchema> ProblemProperties() => new()
    {
        ["type"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = "A URI that identifies the kind of problem" },
        ["title"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A short summary of the kind of problem" },
        ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "The HTTP status code" },
        ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = "What went wrong this time" },
        ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = "The request the problem occurred in" },
        ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The trace to look up in the Aspire dashboard" },
    };

    private static OpenApiSchemaReference Reference(OpenApiDocument document, string name, OpenApiSchema schema)
    {
        // Replaces the framework's own (from TypedResults.ValidationProblem and the like), which marks nothing required.
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[name] = schema;
        return new OpenApiSchemaReference(name, document);
    }

    private static void Add(OpenApiOperation operation, int status, string description, IOpenApiSchema schema)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.TryGetValue(key, out var existing) && existing is OpenApiResponse { Content.Count: > 0 })
        {
            return;
        }
        operation.Responses[key] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { [ProblemJson] = new() { Schema = schema } },
        };
    }
}
