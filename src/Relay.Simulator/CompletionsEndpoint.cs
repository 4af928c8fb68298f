using System.Globalization;
using System.Text.Json;

namespace Relay.Simulator;

/// <summary><c>POST /api/v1/chat/completions</c>: the answer, streamed or whole, with the faults the knobs ask for.</summary>
internal static class CompletionsEndpoint
{
    public static async Task HandleAsync(HttpContext context, SimulatorState state)
    {
        state.RequestStarted();
        SimulatedRequest request;
        SimulatorKnobs knobs;
        try
        {
            using var doc = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            request = SimulatedRequest.Parse(doc.RootElement);
            knobs = SimulatorKnobs.Parse(context.Request.Headers[SimulatorKnobs.HeaderName], SimulatorKnobs.Parse(state.DefaultKnobs));
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            await ErrorAsync(context, 400, ex.Message);
            return;
        }

        // Like OpenRouter: the first of the model and its fallbacks that exists and is up answers.
        var model = new[] { request.Model }.Concat(request.Fallbacks).Select(SimulatedModel.Find).FirstOrDefault(m => m is not null && !knobs.FailModels.Contains(m.Id));
        if (model is null)
        {
            await (SimulatedModel.Find(request.Model) is null
                ? ErrorAsync(context, 404, $"No endpoints found for {request.Model}.")
                : ErrorAsync(context, 503, $"No provider of {request.Model} is available."));
            return;
        }

        if (request.HasImages && !model.TakesImages)
        {
            await ErrorAsync(context, 404, "No endpoints found that support image input");
            return;
        }

        if (knobs.Status is { } status && state.TakeStatus(knobs))
        {
            if (knobs.RetryAfter is { } seconds)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            }

            await ErrorAsync(context, status, $"Simulated upstream status {status}");
            return;
        }

        var answer = SimulatedAnswer.For(model.Id, request.Messages, request.MaxTokens, request.Seed ?? state.Options.Seed, knobs.Tokens);
        var generation = new Generation(context, state, knobs, model, request, answer);
        await (request.Stream ? generation.StreamAsync() : generation.WholeAsync());
    }

    internal static Task ErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync($"{{\"error\":{{\"message\":{ChunkFormatter.Json(message)},\"code\":{status.ToString(CultureInfo.InvariantCulture)}}}}}", context.RequestAborted);
    }
}
