using ConnectorHealth.ServiceDefaults;
using ConnectorHealth.Runner;
using ConnectorHealth.Runner.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.AddOperations(ResourceNames.Runner);

var app = builder.Build();

app.MapDefaultEndpoints();
// OpenLineage clients may gzip what they send (Content-Encoding: gzip); the size limit applies to the body unpacked.
app.UseRequestDecompression();
app.MapOpenApi();
app.MapConnectorsApi();
app.MapRunReportsApi();
app.MapLineageApi();
app.MapOperations();

app.Run();
