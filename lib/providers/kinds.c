/* The table of built-in provider kinds. */
#include "providers.h"

#include <string.h>

static const plx_kind *const KINDS[] = {
    &plx_kind_http,
    &plx_kind_aws,
    &plx_kind_openai,
    &plx_kind_azure_openai,
    &plx_kind_anthropic,
    &plx_kind_huggingface,
    &plx_kind_bedrock,
    &plx_kind_local,
    &plx_kind_file,
    &plx_kind_slack,
    &plx_kind_teams,
    &plx_kind_jira,
    &plx_kind_pagerduty,
    &plx_kind_datadog,
    &plx_kind_webhook,
    &plx_kind_tfserving,
    &plx_kind_torchserve,
    &plx_kind_kserve,
    &plx_kind_sagemaker,
    &plx_kind_s3,
};

const plx_kind *plx_kind_find(const char *name)
{
    for (size_t i = 0; name && i < PLX_ARRAY_LEN(KINDS); i++)
        if (strcmp(KINDS[i]->name, name) == 0)
            return KINDS[i];
    return NULL;
}

const char *plx_kind_names(void)
{
    return "http, aws, openai, azure_openai, anthropic, huggingface, bedrock, local, file, slack, teams, jira, pagerduty, datadog, webhook, tfserving, torchserve, kserve, sagemaker, s3";
}
