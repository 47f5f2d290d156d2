namespace Dashboard.Simulation.Engine;

/// <summary>Placeholder until the dataplane's event vocabulary lands.</summary>
public abstract record TraversalEvent;
