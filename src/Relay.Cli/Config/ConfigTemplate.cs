namespace Relay.Cli.Config;

/// <summary>A saved prompt setting (<c>relay template save NAME --system ...</c>), used with <c>-t NAME</c>.</summary>
/// <param name="System">The system prompt.</param>
/// <param name="Model">The model it asks, or null for the usual one.</param>
internal sealed record ConfigTemplate(string? System, string? Model);
