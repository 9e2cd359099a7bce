// Writes its working directory and the variables the exec adapter sets, as JSON.
const { FIXTURE_VAR, METAORCH_TASK_ID, METAORCH_ATTEMPT } = process.env;
process.stdout.write(JSON.stringify({ cwd: process.cwd(), FIXTURE_VAR, METAORCH_TASK_ID, METAORCH_ATTEMPT }));
