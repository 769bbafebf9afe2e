namespace BertAdapt.Engine.Studies;

/// <summary>A study starting its <paramref name="Run"/>th run of <paramref name="Runs"/>; <paramref name="Skipped"/> when it had finished before.</summary>
public sealed record StudyProgress(int Run, int Runs, string Folder, string Description, bool Skipped);
