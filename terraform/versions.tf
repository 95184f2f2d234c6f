terraform {
  required_version = ">= 1.5"

  required_providers {
    # 2.46 brought digitalocean_droplet_autoscale (the autoscale pool of workers).
    digitalocean = {
      source  = "digitalocean/digitalocean"
      version = "~> 2.46"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }
}

provider "digitalocean" {
  token = var.do_token
}
