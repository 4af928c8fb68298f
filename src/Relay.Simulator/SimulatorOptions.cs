namespace Relay.Simulator;

/// <summary>The simulator's defaults; bound from the <c>Simulator</c> configuration section when standalone.</summary>
public sealed class SimulatorOptions
{
    /// <summary>Time from the request to the first token (a real model: about 300 ms).</summary>
    public TimeSpan TimeToFirstToken { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Time between tokens (a real model: about 60 tokens a second).</summary>
    public TimeSpan TokenInterval { get; set; } = TimeSpan.FromSeconds(1.0 / 60);

    /// <summary>The seed of every answer, unless the request carries its own <c>seed</c>.</summary>
    public int Seed { get; set; }

    /// <summary>Knobs applied to every request (the <c>X-Relay-Sim</c> syntax); the request's header overrides each.</summary>
    public string? DefaultKnobs { get; set; }
}
