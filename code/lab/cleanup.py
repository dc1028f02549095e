"""The clean-up step of the training notebooks: what the lab left behind and how to remove it,
in the notebook's language (training jobs end by themselves; files and S3 objects stay)."""

from __future__ import annotations

from typing import Any

from lab.language import language
from lab.modes import current_mode, session_of
from lab.paths import OUTPUTS_DIR, S3_PREFIX

WORDS = {
    "en": {
        "jobs": "Nothing runs in the background: every training job has ended.",
        "running": "Still running (they stop by themselves; to stop one now: "
        "sagemaker_client.stop_training_job): {names}",
        "local": "Files the lab wrote on this machine: {folder} (job folders, models, reports). "
        "Delete that folder, or run `make clean`, once you no longer need them.",
        "s3": "S3: {count} objects ({size}) under {prefix}. Delete them with\n"
        "    aws s3 rm --recursive {prefix}\nor in the S3 console, once you no longer need them.",
        "studio": "In SageMaker Studio, stop the JupyterLab space when you are done: its "
        "instance bills for every hour it runs.",
    },
    "pt_BR": {
        "jobs": "Nada roda em segundo plano: todos os jobs de treinamento terminaram.",
        "running": "Ainda rodando (eles param sozinhos; para parar um agora: "
        "sagemaker_client.stop_training_job): {names}",
        "local": "Arquivos que o laboratório gravou nesta máquina: {folder} (pastas dos jobs, "
        "modelos, relatórios). Exclua essa pasta, ou execute `make clean`, quando não "
        "precisar mais deles.",
        "s3": "S3: {count} objetos ({size}) em {prefix}. Exclua-os com\n"
        "    aws s3 rm --recursive {prefix}\nou no console do S3, quando não precisar mais deles.",
        "studio": "No SageMaker Studio, pare o espaço do JupyterLab quando terminar: a instância "
        "dele é cobrada por cada hora em que fica ligada.",
    },
}


def show_leftovers(lab: Any) -> None:
    """Print what this lab left behind (locally: its outputs folder; on AWS: its S3 prefix).
    `lab`: the SDK session (or a `Lab` record)."""
    say = WORDS[language()]
    session = session_of(lab)
    listed = session.sagemaker_client.list_training_jobs(StatusEquals="InProgress")
    running = [j["TrainingJobName"] for j in listed["TrainingJobSummaries"]]
    print(say["running"].format(names=", ".join(running)) if running else say["jobs"])
    if current_mode() == "local":  # what use_mode() or setup() chose
        from lab.notebook import short

        print(say["local"].format(folder=short(str(OUTPUTS_DIR)) + "/"))
        return
    bucket = session.default_bucket()
    prefix = f"s3://{bucket}/{S3_PREFIX}/"
    pages = session.boto_session.client("s3").get_paginator("list_objects_v2")
    objects = [
        o for page in pages.paginate(Bucket=bucket, Prefix=f"{S3_PREFIX}/")
        for o in page.get("Contents", [])
    ]  # fmt: skip
    size = f"{sum(o['Size'] for o in objects) / 1e6:.1f} MB"
    print(say["s3"].format(count=len(objects), size=size, prefix=prefix))
    print(say["studio"])
