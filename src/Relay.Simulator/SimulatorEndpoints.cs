using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Relay.Simulator;

/// <summary>Registers the simulator's services and endpoints, shared by the standalone app and <see cref="SimulatorHost"/>.</summary>
public static class SimulatorEndpoints
{
    /// <summary>Adds the simulator's state, with options from the <c>Simulator</c> section when given.</summary>
    public static IServiceCollection AddRelaySimulator(this IServiceCollection services, IConfiguration? configuration = null, Action<SimulatorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<SimulatorOptions>().ValidateOnStart();
        if (configuration is not null)
        {
            options.Bind(configuration.GetSection("Simulator"));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SimulatorState>();
        return services;
    }

    /// <summary>Maps <c>/api/v1/chat/completions</c>, <c>/api/v1/models</c> and the <c>/sim</c> control endpoints.</summary>
    public static IEndpointRouteBuilder MapRelaySimulator(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost("/api/v1/chat/completions", CompletionsEndpoint.HandleAsync);
        endpoints.MapGet("/api/v1/models", ModelsAsync);
        endpoints.MapGet("/sim/stats", (SimulatorState state) => Results.Text(StatsJson(state.GetStats()), "application/json"));
        endpoints.MapPut("/sim/knobs", async (HttpContext context, SimulatorState state) =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var knobs = await reader.ReadToEndAsync(context.RequestAborted);
            try
            {
                state.DefaultKnobs = string.IsNullOrWhiteSpace(knobs) ? null : knobs.Trim();
                return Results.NoContent();
            }
            catch (FormatException ex)
            {
                return Results.Text($"{{\"error\":{{\"message\":{ChunkFormatter.Json(ex.Message)},\"code\":400}}}}", "application/json", statusCode: 400);
            }
        });
        endpoints.MapPost("/sim/gates/{name}/release", (string name, SimulatorState state) =>
        {
            state.Gates.Release(name);
            return Results.NoContent();
        });
        endpoints.MapGet("/sim/gates/{name}/reached", async (string name, SimulatorState state, HttpContext context) =>
        {
            await state.Gates.WaitReachedAsync(name, context.RequestAborted);
            return Results.Ok();
        });
        endpoints.MapGet("/sim/aborts/{count:int}/reached", async (int count, SimulatorState state, HttpContext context) =>
        {
            await state.WaitForAbortsAsync(count, context.RequestAborted);
            return Results.Text(StatsJson(state.GetStats()), "application/json");
        });
        return endpoints;
    }

    private static IResult ModelsAsync()
    {
        var json = new StringBuilder("{\"data\":[");
        foreach (var m in SimulatedModel.All)
        {
            json.Append(json[^1] == '[' ? "" : ",")
                .Append(CultureInfo.InvariantCulture, $"{{\"id\":\"{m.Id}\",\"canonical_slug\":\"{m.Id}\",\"name\":{ChunkFormatter.Json(m.Name)},\"created\":1735689600,")
                .Append(CultureInfo.InvariantCulture, $"\"context_length\":{m.ContextLength},\"pricing\":{{\"prompt\":\"{m.PromptPrice}\",\"completion\":\"{m.CompletionPrice}\"}}}}");
        }

        return Results.Text(json.Append("]}").ToString(), "application/json");
    }

    private static string StatsJson(SimulatorStats stats)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("requests", stats.Requests);
            w.WriteNumber("active_streams", stats.ActiveStreams);
            w.WriteNumber("completed", stats.Completed);
            w.WriteNumber("aborted_by_client", stats.AbortedByClient);
            w.WriteStartArray("aborts");
            foreach (var a in stats.Aborts)
            {
                w.WriteStartObject();
                w.WriteString("at_utc", a.AtUtc);
                w.WriteNumber("noticed_after_ms", a.NoticedAfterMs);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
